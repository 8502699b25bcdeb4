import { prune, type PruneResult } from '../reconcile/prune.js';
import type { ApplyStepResult } from './apply-staged.js';
import { applyDepsFor } from './apply-staged.js';
import type { PassContext } from './pass-context.js';

/** How pruning went (see PruneResult), or the error that ended it. */
export type PruneStepResult = PruneResult | { readonly kind: 'error'; readonly error: string };

/** Step 6: deletes the members that left the bundle, only when everything applied and every kind could be listed (see prune). */
export async function pruneStep(ctx: PassContext, staged: Extract<ApplyStepResult, { kind: 'staged' }>): Promise<PruneStepResult> {
  try {
    return await prune(staged.inventory, staged.changes, applyDepsFor(ctx));
  } catch (err) {
    return { kind: 'error', error: (err as Error).message };
  }
}
