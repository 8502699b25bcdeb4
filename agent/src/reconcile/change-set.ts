import type { KubeObject } from '@driftless/core';
import { assessHealth, type Unhealthy } from './assess-health.js';

/** What a pass did to one object, as Flux's ssa change set names it. */
export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'pruned' | 'failed';

/** One entry of a change set: an object, what happened to it, and why. */
export interface Change {
  /** The object as messages name it: `Kind/namespace/name` (or `Kind/name`). */
  readonly object: string;
  readonly action: ChangeAction;
  /**
   * Why, in a few words: `not in the cluster` (created), `desired state
   * changed` or `drifted: <paths>` (configured), `in sync` (unchanged), `left
   * the bundle` (pruned), or the message naming the object and the refusal
   * (failed).
   */
  readonly reason: string;
  /**
   * For `failed` only: how the apply itself went when a later check failed (a
   * CRD that did not become Established in time); it counts as that too, as the
   * object was written or already in shape.
   */
  readonly appliedAs?: 'created' | 'configured' | 'unchanged';
  /**
   * For `failed` only: `prune` when the object left the bundle and the API
   * refused to delete it. It stays in the inventory and is tried again each
   * pass; it counts as degraded (needs a person), not as a failed apply, so it
   * neither stops other prunes nor makes every pass back off.
   */
  readonly stage?: 'prune';
  /** The app the object belongs to (its APP_ANNOTATION), when it names one: what the status's `apps` groups by. */
  readonly app?: string;
  /**
   * The preview environment the object belongs to (its PREVIEW_LABEL), absent
   * for the release's: its failures count in its app, not in the cluster's
   * phase, and hold back only its own preview's prunes (see prune).
   */
  readonly preview?: string;
  /** The object as the API server holds it after the pass, where there is one, cut to what health is assessed on (healthForm). */
  readonly live?: KubeObject;
}

/** What one pass did, in counts (derived from its change set by {@link outcomeOf}). */
export interface ReconcileOutcome {
  /** Objects written: created, changed by a new bundle, or reverted after drift. */
  readonly applied: number;
  readonly unchanged: number;
  /** Of the applied: objects that existed and were written again (configured). */
  readonly drifted: number;
  readonly pruned: number;
  /** Objects the API server refused to apply, each with a message naming it; when one is the release's (no `preview`), nothing was pruned (see prune). */
  readonly failed: readonly { readonly object: string; readonly message: string }[];
  /** Applied objects that are not healthy yet (a Deployment rolling out), with why. */
  readonly notReady: readonly Unhealthy[];
  /** Objects that failed for good, with why: applied ones (a failed Job), and ones that left the bundle but could not be pruned. */
  readonly degraded: readonly Unhealthy[];
}

/** How a change counts: a failed entry counts as the apply it had before failing. */
const countedAs = (c: Change): ChangeAction | undefined => (c.action === 'failed' ? c.appliedAs : c.action);

/**
 * The counts and lists of a change set, in its order: applied = created +
 * configured, drifted = configured, failed applies with their messages, and
 * the health of every object with a live form (see assessHealth); a refused
 * prune is degraded.
 */
export function outcomeOf(changes: readonly Change[]): ReconcileOutcome {
  const health = assessHealth(changes);
  const unpruned = changes.filter((c) => c.action === 'failed' && c.stage === 'prune').map((c) => ({ object: c.object, reason: c.reason }));
  return { ...countsOf(changes), ...health, degraded: [...health.degraded, ...unpruned] };
}

/** {@link outcomeOf} without health: the counts and the failed objects. */
function countsOf(changes: readonly Change[]): Omit<ReconcileOutcome, 'notReady' | 'degraded'> {
  let applied = 0;
  let unchanged = 0;
  let drifted = 0;
  let pruned = 0;
  for (const c of changes) {
    const as = countedAs(c);
    if (as === 'created' || as === 'configured') applied += 1;
    if (as === 'configured') drifted += 1;
    if (as === 'unchanged') unchanged += 1;
    if (as === 'pruned') pruned += 1;
  }
  const failed = changes.filter((c) => c.action === 'failed' && c.stage !== 'prune').map((c) => ({ object: c.object, message: c.reason }));
  return { applied, unchanged, drifted, pruned, failed };
}
