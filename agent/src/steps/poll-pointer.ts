import { storeLayout } from '@driftless/core';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/** Pointers are small: a larger one is refused before it is read. */
const MAX_POINTER_BYTES = 64 * 1024;

/** What reading the pointer gave: unchanged (304), none yet, its bytes and ETag, or a failure (a pointer too large is `refused`). */
export type PollResult =
  | { readonly kind: 'not-modified' }
  | { readonly kind: 'none' }
  | { readonly kind: 'found'; readonly body: Uint8Array; readonly etag: string }
  | StepFailure;

/** Step 1: reads `clusters/<name>/desired.json` with the last ETag, so an unchanged pointer costs a 304 and no bytes. */
export async function pollPointer(ctx: PassContext): Promise<PollResult> {
  const { etag } = ctx.state;
  try {
    const got = await ctx.store.get(storeLayout.pointer(ctx.config.cluster), { ...(etag ? { ifNoneMatch: etag } : {}), maxBytes: MAX_POINTER_BYTES });
    if (got.kind === 'not-found') return { kind: 'none' };
    return got.kind === 'found' ? { kind: 'found', body: got.body, etag: got.etag } : got;
  } catch (err) {
    return failureOf(err);
  }
}
