import { isDriftlessError, storeLayout, type Digest, type Pointer } from '@driftless/core';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/**
 * The blob a pointer names: the same as the bundle in force (nothing read), its
 * bytes, `missing` (no blob under its digest yet: retried on later passes, see
 * takeIn), or a failure (`blocked` when the store refuses access).
 */
export type FetchBundleResult =
  | { readonly kind: 'same' }
  | { readonly kind: 'fetched'; readonly digest: Digest; readonly bytes: Uint8Array }
  | { readonly kind: 'missing'; readonly error: string }
  | StepFailure;

/** Step 3: reads the pointer's blob by digest, only when it is not the bundle already in force, refusing one over the compressed size limit. */
export async function fetchBundle(ctx: PassContext, pointer: Pointer): Promise<FetchBundleResult> {
  const digest = pointer.bundle as Digest;
  if (digest === ctx.state.bundle?.digest) return { kind: 'same' };
  const key = storeLayout.blob(digest);
  try {
    const blob = await ctx.store.get(key, { maxBytes: ctx.config.bundleLimits.maxCompressedBytes });
    // A blob the hub has not finished writing, or one restored from a backup: it may appear, so it is retried, not refused.
    if (blob.kind !== 'found') return { kind: 'missing', error: `bundle ${digest} read failed: no blob at ${key} (retrying with backoff)` };
    return { kind: 'fetched', digest, bytes: blob.body };
  } catch (err) {
    // Access denied is the store's policy, not the blob: once repaired, the pointer must be read again.
    return failureOf(err, isDriftlessError(err, 'StoreRefused') ? 'blocked' : 'refused');
  }
}
