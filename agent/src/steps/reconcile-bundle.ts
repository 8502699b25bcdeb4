import type { AcceptedBundle } from '../agent-state.js';
import { tallyApps } from '../app-status.js';
import { outcomeOf } from '../reconcile/change-set.js';
import { reconcileChanges, type ReconcileDeps } from '../reconcile/reconcile.js';
import { acceptedAnnotation } from '../replay-floor.js';
import type { Reconciled } from '../summarize.js';
import type { PassContext } from './pass-context.js';
import { recordFloor } from './record-floor.js';

/**
 * How reconciling went (see Reconciled), the pass stopped by a lost lease, or
 * `superseded`: another agent of the cluster recorded a higher generation
 * (see recordFloor), nothing was applied.
 */
export type ReconcileStepResult = Reconciled | { readonly kind: 'aborted' } | { readonly kind: 'superseded'; readonly error: string };

/**
 * Steps 5 to 7: records the pointer in force as the replay floor (see
 * recordFloor), applies the bundle in stages, prunes, assesses health (see
 * reconcileChanges, outcomeOf), for all objects and for the release's alone
 * (no preview's: see Reconciled), and tallies it per app (see tallyApps). Every pass runs it unless the pointer is
 * stale, so drift is corrected each interval. A transient API failure ends it
 * as `error`, retried with backoff.
 */
export async function reconcileBundle(ctx: PassContext, bundle: AcceptedBundle): Promise<ReconcileStepResult> {
  try {
    await recordFloor(ctx);
    const set = await reconcileChanges(bundle.objects, reconcileDepsFor(ctx), new Set(bundle.previews?.objects));
    if (set.aborted) return { kind: 'aborted' };
    const outcome = outcomeOf(set.changes);
    const release = outcomeOf(set.changes.filter((c) => c.preview === undefined));
    return { kind: 'done', outcome, release, apps: tallyApps(set.changes, outcome) };
  } catch (err) {
    const error = (err as Error).message;
    return (await ctx.replay()).superseded ? { kind: 'superseded', error } : { kind: 'error', error };
  }
}

/** How this pass reconciles: the agent's parent, caches and lease signal, and the accepted pointer recorded on the parent. */
function reconcileDepsFor(ctx: PassContext): ReconcileDeps {
  const { state, signal } = ctx;
  return {
    kube: ctx.kube,
    clock: ctx.clock,
    parent: ctx.config.parent,
    parentAnnotations: acceptedAnnotation(state.pointer),
    normalized: state.normalized,
    members: state.members,
    inSync: state.inSync,
    records: state.records,
    ...(signal ? { signal } : {}),
  };
}
