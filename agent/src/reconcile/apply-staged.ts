import { describeRef, isDriftlessError, refKey, refOf, type Clock, type KubeObject, type KubeObjectRef } from '@driftless/core';
import { applyOrder } from './apply-order.js';
import type { Change } from './change-set.js';
import { DESIRED_PATH, driftOfMemo, learnNormalization, type DriftVerdict, type InSyncMemo, type Normalized } from './drift.js';
import { healthForm } from './health.js';
import type { InventoryDeps, OpenInventory } from './inventory.js';
import { uniqueKinds } from './live-members.js';
import { appOf, isNamespace, kubeRefOf } from './object-ref.js';
import { isCrd, waitEstablished } from './wait-established.js';

/** What staged apply needs beyond the inventory's dependencies. */
export interface ApplyDeps extends InventoryDeps {
  readonly clock: Clock;
  /** How long a CRD may take to become Established, ms. */
  readonly crdTimeoutMs: number;
  /** How the server normalizes fields, learnt from apply responses and kept by the caller between passes (see driftOf). */
  readonly normalized?: Map<string, Normalized>;
  /** Which members were last found in sync, at which resourceVersion, kept by the caller between passes (see InSyncMemo). */
  readonly inSync?: InSyncMemo;
}

/** The members' change entries in apply order; `aborted` when the signal stopped the pass before a write (the entries so far). */
export interface Staged {
  readonly changes: readonly Change[];
  readonly aborted: boolean;
}

/**
 * Applies the inventory's members that are missing or have drifted
 * (server-side apply, force) in dependency order (applyOrder), waiting for
 * each CRD to be Established before the objects that may need its kinds.
 * First lists every member kind once (see LiveMembers). An object the server
 * refuses fails that object only; a transient API failure throws (the caller
 * retries with backoff). A member in sync sends no write. An entry names
 * its preview only when the member came from the previews bundle (see
 * guardPreviews), never by its label.
 */
export async function applyStaged(inv: OpenInventory, deps: ApplyDeps): Promise<Staged> {
  for (const kind of uniqueKinds(inv.members)) await inv.live.of(kind.apiVersion, kind.kind);
  const changes: Change[] = [];
  for (const member of applyOrder(inv.members, (o) => o.metadata.namespace !== undefined)) {
    const change = await applyMember(member, inv, deps);
    if (change === 'aborted') return { changes, aborted: true };
    const preview = inv.previewOf.get(member);
    changes.push({ ...change, ...appOf(member), ...(preview !== undefined ? { preview } : {}) });
  }
  return { changes, aborted: false };
}

async function applyMember(member: KubeObject, inv: OpenInventory, deps: ApplyDeps): Promise<Change | 'aborted'> {
  const object = describeRef(refOf(member));
  try {
    const key = refKey(refOf(member));
    const live = await inv.live.take(member.apiVersion, member.kind, key);
    const verdict = await adopted(member, driftOfMemo(member, live, deps.normalized?.get(key), deps.inSync), deps);
    let applied: Change;
    if (verdict.kind === 'in-sync') applied = { object, action: 'unchanged', reason: 'in sync', ...(live ? { live: healthForm(live) } : {}) };
    else {
      if (deps.signal?.aborted) return 'aborted';
      const current = await deps.kube.apply(member, deps.fieldManager);
      learnNormalization(deps.normalized, key, member, current);
      applied =
        verdict.kind === 'missing'
          ? { object, action: 'created', reason: 'not in the cluster', live: healthForm(current) }
          : { object, action: 'configured', reason: verdict.kind === 'adopted' ? 'adopted: it existed before' : configuredReason(verdict.paths), live: healthForm(current) };
    }
    return isCrd(member) ? await established(applied, kubeRefOf(member), deps) : applied;
  } catch (err) {
    if (!isDriftlessError(err, 'KubeRefused')) throw err;
    return { object, action: 'failed', reason: err.message };
  }
}

/**
 * A Namespace or CRD not among the members may still exist, made by someone
 * else: then applying adopts it, and it must never count as created (prune
 * deletes only the Namespaces and CRDs this agent created). One read, for
 * these two kinds only.
 */
async function adopted(member: KubeObject, verdict: DriftVerdict, deps: ApplyDeps): Promise<DriftVerdict | { readonly kind: 'adopted' }> {
  if (verdict.kind !== 'missing' || !(isCrd(member) || isNamespace(member))) return verdict;
  return (await deps.kube.get(kubeRefOf(member))) ? { kind: 'adopted' } : verdict;
}

/** A CRD's entry once it is Established (health then from the Established CRD), or failed after its apply when it is not in time. */
async function established(applied: Change, ref: KubeObjectRef, deps: ApplyDeps): Promise<Change | 'aborted'> {
  let waited;
  try {
    waited = await waitEstablished(deps.kube, deps.clock, ref, deps.crdTimeoutMs, deps.signal);
  } catch (err) {
    if (!isDriftlessError(err, 'KubeRefused')) throw err;
    waited = { kind: 'timeout', message: err.message } as const;
  }
  if (waited.kind === 'aborted') return 'aborted';
  if (waited.kind === 'established') return { ...applied, live: healthForm(waited.crd) };
  return { ...applied, action: 'failed', reason: waited.message, appliedAs: applied.action as 'created' | 'configured' | 'unchanged' };
}

function configuredReason(paths: readonly string[]): string {
  if (paths.includes(DESIRED_PATH)) return 'desired state changed';
  return `drifted: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''}`;
}

