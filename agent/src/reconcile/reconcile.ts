import { refKey, refOf, type Clock, type KubeObject, type KubeTarget } from '@driftless/core';
import { applyStaged, type ApplyDeps } from './apply-staged.js';
import type { ApplySetParentRef } from './applyset.js';
import { outcomeOf, type Change, type ReconcileOutcome } from './change-set.js';
import type { InSyncMemo, Normalized } from './drift.js';
import { openInventory, recordCreated, type MemberCache, type OpenInventory } from './inventory.js';
import { RecordCodec } from './member-record.js';
import { isNamespace } from './object-ref.js';
import { prune, type PruneResult } from './prune.js';
import { isCrd } from './wait-established.js';

/**
 * What one reconcile pass needs ({@link reconcileChanges}, {@link reconcile}):
 * the cluster, a clock (CRD waits), where the inventory's parent lives, and
 * what the caller keeps between passes (normalizations, member forms) so an
 * idle pass sends no write and hashes nothing again. Optional fields have
 * the defaults given; without a signal nothing stops a pass.
 */
export interface ReconcileDeps {
  readonly kube: KubeTarget;
  /** Paces the wait for a CRD to be Established (virtual in tests and the bench). */
  readonly clock: Clock;
  /** The inventory's parent ConfigMap (one per cluster). */
  readonly parent: ApplySetParentRef;
  /** Server-side apply field manager. Default `driftless`. */
  readonly fieldManager?: string;
  /** `applyset.kubernetes.io/tooling`. Default `driftless/v0.1.0`. */
  readonly tooling?: string;
  /** How long a CRD may take to become Established, ms. Default 60 000. */
  readonly crdTimeoutMs?: number;
  /**
   * Fields the API server stores differently from how we wrote them (`cpu: 1000m`
   * becomes `1`), learnt from apply responses and kept between passes by the
   * caller: they are not drift, so they do not make every pass write.
   */
  readonly normalized?: Map<string, Normalized>;
  /** Once aborted (the agent lost its lease), the pass sends no further write and ends `aborted`. */
  readonly signal?: AbortSignal;
  /** More annotations for the parent (the agent records the accepted pointer there). */
  readonly parentAnnotations?: Readonly<Record<string, string>>;
  /** Kept by the caller between passes over the same bundle (see MemberCache). */
  readonly members?: MemberCache;
  /** Kept by the caller between passes: which members were found in sync at which resourceVersion (see InSyncMemo). */
  readonly inSync?: InSyncMemo;
  /** Kept by the caller between passes: the member record last written (see RecordCodec). Default: one per pass. */
  readonly records?: RecordCodec;
}

/** What one pass did to each object (in apply order, then pruned ones), whether it was stopped, and why nothing was pruned when so. */
export interface ChangeSet {
  readonly changes: readonly Change[];
  readonly aborted: boolean;
  /**
   * Set when pruning was skipped: some object of the release failed (a
   * preview's failure skips only its own preview's prunes), some kind could not be
   * listed, or the parent had no member record yet (written by an earlier
   * version, or deleted): that pass records the members instead.
   */
  readonly pruneSkipped?: 'failed' | 'incomplete' | 'unrecorded';
}

/** The first half of a pass: the inventory opened and its members applied. */
type StagedPass = { readonly kind: 'staged'; readonly inventory: OpenInventory; readonly changes: readonly Change[] } | { readonly kind: 'aborted'; readonly changes: readonly Change[] };

/** {@link ReconcileDeps} with every default filled in. */
function applyDepsOf(deps: ReconcileDeps): ApplyDeps {
  return {
    ...deps,
    fieldManager: deps.fieldManager ?? 'driftless',
    tooling: deps.tooling ?? 'driftless/v0.1.0',
    crdTimeoutMs: deps.crdTimeoutMs ?? 60_000,
    records: deps.records ?? new RecordCodec(),
  };
}

/** Opens the inventory for `objects` and applies them in stages (see openInventory, applyStaged). */
async function stage(objects: readonly KubeObject[], previews: ReadonlySet<KubeObject>, deps: ApplyDeps): Promise<StagedPass> {
  const opened = await openInventory(objects, deps, previews);
  if (opened === 'aborted') return { kind: 'aborted', changes: [] };
  const staged = await applyStaged(opened, deps);
  const changes = [...staged.changes, ...opened.refused];
  if (staged.aborted) return { kind: 'aborted', changes };
  const inventory = await recordCreated(opened, createdKeys(staged.changes), deps);
  return inventory === 'aborted' ? { kind: 'aborted', changes } : { kind: 'staged', inventory, changes };
}

/** The refKeys of the Namespaces and CRDs this pass created (written, even when a later check failed). */
function createdKeys(changes: readonly Change[]): string[] {
  return changes
    .filter((c) => (c.action === 'created' || c.appliedAs === 'created') && c.live && (isNamespace(c.live) || isCrd(c.live)))
    .map((c) => refKey(refOf(c.live as KubeObject)));
}

/**
 * One reconcile pass, as a change set: places every object of the bundle by
 * its scope from API discovery, applies those missing or drifted, in
 * dependency order, waiting for CRDs to be Established; then, only if every
 * object of the release applied, prunes what this agent applied from the
 * last bundle and the new one no longer has (see prune: a preview with a
 * failed object keeps its leftovers). Objects outside the inventory are
 * never touched. A pass with no new bundle and no drift sends
 * no write request. Objects of `previews` (the previews bundle's, by
 * identity) are held to the preview boundary (see guardPreviews): a refused
 * one fails its preview only. A transient API failure throws (the caller retries with
 * backoff); an object the server refuses fails that object only. The one
 * place this sequence is written: the agent's reconcile step and
 * {@link reconcile} both run it.
 */
export async function reconcileChanges(objects: readonly KubeObject[], deps: ReconcileDeps, previews: ReadonlySet<KubeObject> = new Set()): Promise<ChangeSet> {
  const full = applyDepsOf(deps);
  const staged = await stage(objects, previews, full);
  if (staged.kind === 'aborted') return { changes: staged.changes, aborted: true };
  const pruned: PruneResult = await prune(staged.inventory, staged.changes, full);
  if (pruned.kind === 'skipped') return { changes: staged.changes, aborted: false, pruneSkipped: pruned.reason };
  return { changes: [...staged.changes, ...pruned.changes], aborted: pruned.kind === 'aborted' };
}

/** {@link reconcileChanges}, counted (see outcomeOf): what the bench reports. */
export async function reconcile(objects: readonly KubeObject[], deps: ReconcileDeps): Promise<ReconcileOutcome> {
  return outcomeOf((await reconcileChanges(objects, deps)).changes);
}
