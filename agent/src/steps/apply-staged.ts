import { acceptedAnnotation } from '../accepted-pointer.js';
import type { AcceptedBundle } from '../agent-state.js';
import type { ApplyDeps } from '../reconcile/apply-staged.js';
import type { Change } from '../reconcile/change-set.js';
import type { OpenInventory } from '../reconcile/inventory.js';
import { applyDepsOf, stage } from '../reconcile/reconcile.js';
import type { PassContext } from './pass-context.js';

/** The bundle's objects applied (with the inventory to prune from), the pass stopped by a lost lease, or the error that ended it (a transient API failure). */
export type ApplyStepResult =
  | { readonly kind: 'staged'; readonly inventory: OpenInventory; readonly changes: readonly Change[] }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'error'; readonly error: string };

/** How this pass reconciles: the agent's parent, caches and lease signal, and the accepted pointer recorded on the parent. */
export function applyDepsFor(ctx: PassContext): ApplyDeps {
  const { state, signal } = ctx;
  return applyDepsOf({
    kube: ctx.kube,
    clock: ctx.clock,
    parent: ctx.config.parent,
    parentAnnotations: acceptedAnnotation(state.pointer),
    normalized: state.normalized,
    members: state.members,
    ...(signal ? { signal } : {}),
  });
}

/** Step 5: opens the inventory and applies the bundle in stages (see stage). Every pass runs it, so drift is corrected each interval. */
export async function applyStagedStep(ctx: PassContext, bundle: AcceptedBundle): Promise<ApplyStepResult> {
  try {
    const staged = await stage(bundle.objects, applyDepsFor(ctx));
    return staged.kind === 'aborted' ? { kind: 'aborted' } : staged;
  } catch (err) {
    return { kind: 'error', error: (err as Error).message };
  }
}
