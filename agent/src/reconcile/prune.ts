import { describeRef, isDriftlessError, refKey, refOf, type KubeObject } from '@driftless/core';
import { applyOrder } from './apply-order.js';
import { inventoryOf, unionOf } from './applyset.js';
import type { Change } from './change-set.js';
import { closeInventory, type InventoryDeps, type OpenInventory } from './inventory.js';
import { uniqueKinds } from './live-members.js';
import { isNamespace, kubeRefOf, ownerOf, previewOf } from './object-ref.js';
import { isCrd } from './wait-established.js';

/**
 * How pruning went: `pruned` (an entry per object deleted, or refused, the
 * inventory closed), `skipped` (nothing deleted: some object of the
 * release `failed` this pass (see prune), some kind could not be listed,
 * `incomplete`, or the parent had no member record, `unrecorded`: then the
 * inventory is closed adopting the
 * live members that are ours), or `aborted` by the signal before a write
 * (the entries so far).
 */
export type PruneResult =
  | { readonly kind: 'pruned'; readonly changes: readonly Change[] }
  | { readonly kind: 'skipped'; readonly reason: 'failed' | 'incomplete' | 'unrecorded' }
  | { readonly kind: 'aborted'; readonly changes: readonly Change[] };

/**
 * Deletes what this agent applied before and the bundle no longer has, in
 * reverse apply order, then closes the inventory (see closeInventory) — but
 * only when every object of the release applied (`applied` has no failed
 * entry without `preview`) and every kind the inventory declares could be
 * listed: a half-applied release must not lose what its applied objects may
 * still use. A failed object of a preview holds back that preview's prunes
 * only (left objects labelled PREVIEW_LABEL with its name stay members, to
 * be pruned once it applies); the release and other previews are pruned.
 * A live object is
 * deleted only when all of these hold: it carries this ApplySet's label, in
 * a namespace the inventory uses (KEP-3659: the parent's, its additional
 * namespaces, or cluster scope); its refKey is in the parent's member
 * record (what the last bundle held); our field manager is among its
 * managers; and, for a Namespace or a CRD, this agent created it. A delete
 * the API refuses fails that object only (a `failed` entry at stage
 * `prune`, kept in the inventory to be tried again next pass); the others
 * are still deleted.
 */
export async function prune(inv: OpenInventory, applied: readonly Change[], deps: InventoryDeps): Promise<PruneResult> {
  const held = heldBack(applied);
  if (held === 'all') return { kind: 'skipped', reason: 'failed' };
  const candidates = await ownedLeftovers(inv, deps.fieldManager, deps.parent.namespace);
  if (inv.live.incomplete) return { kind: 'skipped', reason: 'incomplete' };
  if (inv.record.adopting) {
    // Who applied what before is unknown: adopt what is ours, delete nothing this pass.
    const closed = await closeInventory(inv, candidates, deps);
    return closed === 'aborted' ? { kind: 'aborted', changes: [] } : { kind: 'skipped', reason: 'unrecorded' };
  }
  const recorded = new Set(inv.record.members);
  const created = new Set(inv.record.created);
  const stale = candidates.filter((o) => {
    const key = refKey(refOf(o));
    return recorded.has(key) && (!(isNamespace(o) || isCrd(o)) || created.has(key));
  });
  const waiting = (o: KubeObject): boolean => {
    const preview = previewOf(o);
    return preview !== undefined && held.has(preview);
  };
  const changes: Change[] = [];
  const retained: KubeObject[] = stale.filter(waiting);
  for (const o of applyOrder(stale.filter((x) => !waiting(x)), (x) => x.metadata.namespace !== undefined).reverse()) {
    if (deps.signal?.aborted) return { kind: 'aborted', changes };
    const object = describeRef(refOf(o));
    try {
      if (await deps.kube.delete(kubeRefOf(o))) changes.push({ object, action: 'pruned', reason: 'left the bundle' });
    } catch (err) {
      if (!isDriftlessError(err, 'KubeRefused')) throw err;
      changes.push({ object, action: 'failed', stage: 'prune', reason: err.message, ...ownerOf(o) });
      retained.push(o);
    }
  }
  if ((await closeInventory(inv, retained, deps)) === 'aborted') return { kind: 'aborted', changes };
  return { kind: 'pruned', changes };
}

/**
 * Which prunes the failed applies of a pass hold back: all of them when an
 * object of the release failed, else those of each preview with a failed
 * object (by name; see Change.preview).
 */
function heldBack(applied: readonly Change[]): 'all' | ReadonlySet<string> {
  const held = new Set<string>();
  for (const c of applied) {
    if (c.action !== 'failed') continue;
    if (c.preview === undefined) return 'all';
    held.add(c.preview);
  }
  return held;
}

/**
 * Live objects of every kind the inventory declares (before or now) that
 * carry its label, live where its members may live, are not in the bundle,
 * and name `fieldManager` among their managers.
 */
async function ownedLeftovers(inv: OpenInventory, fieldManager: string, parentNamespace: string): Promise<KubeObject[]> {
  const union = unionOf(inv.before, inventoryOf(inv.members));
  const namespaces = new Set([parentNamespace, ...union.namespaces]);
  const out: KubeObject[] = [];
  for (const { apiVersion, kind } of uniqueKinds(union.kinds)) {
    for (const [key, o] of await inv.live.of(apiVersion, kind)) {
      const ns = o.metadata.namespace;
      if (!inv.wanted.has(key) && (ns === undefined || namespaces.has(ns)) && managedBy(o, fieldManager)) out.push(o);
    }
  }
  return out;
}

/** Whether `manager` is among the field managers of `o` (its managedFields). */
function managedBy(o: KubeObject, manager: string): boolean {
  const entries = o.metadata['managedFields'];
  return Array.isArray(entries) && entries.some((e) => (e as { manager?: unknown } | null)?.manager === manager);
}
