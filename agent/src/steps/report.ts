import { canonicalBytes, storeLayout } from '@driftless/core';
import type { DueStatus } from '../summarize.js';
import type { PassContext } from './pass-context.js';

/** Whether the status went out: written, not due, not ours to write any more (the lease was lost), or failed (retried next pass). */
export type ReportResult =
  | { readonly kind: 'written'; readonly body: string; readonly at: number }
  | { readonly kind: 'not-due' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'failed'; readonly error: string };

/** Step 8: writes `clusters/<name>/status.json` when the summary says it is due; the only place the status is written. */
export async function report(ctx: PassContext, due: DueStatus | undefined): Promise<ReportResult> {
  if (ctx.signal?.aborted) return { kind: 'aborted' };
  if (!due) return { kind: 'not-due' };
  try {
    await ctx.store.put(storeLayout.status(ctx.config.cluster), canonicalBytes(due.status), { contentType: 'application/json' });
    return { kind: 'written', body: due.body, at: due.at };
  } catch (err) {
    return { kind: 'failed', error: (err as Error).message };
  }
}
