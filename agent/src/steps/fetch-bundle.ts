import { isDriftlessError, storeLayout, type Digest } from '@driftless/core';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/** Which of the pointer's blobs: its release bundle, or its previews bundle (messages name it so). */
export type BlobRole = 'bundle' | 'previews bundle';

/**
 * A blob a pointer names: its bytes, `missing` (no blob under its digest
 * yet: retried on later passes, see takeIn), or a failure (`blocked` when
 * the store refuses access).
 */
export type FetchBundleResult =
  | { readonly kind: 'fetched'; readonly digest: Digest; readonly bytes: Uint8Array }
  | { readonly kind: 'missing'; readonly error: string }
  | StepFailure;

/**
 * Step 3: reads one blob of the pointer by digest (the caller skips one
 * already in force), refusing one over the compressed size limit. The release
 * and the previews bundle are read alike.
 */
export async function fetchBundle(ctx: PassContext, digest: Digest, role: BlobRole): Promise<FetchBundleResult> {
  const key = storeLayout.blob(digest);
  try {
    const blob = await ctx.store.get(key, { maxBytes: ctx.config.bundleLimits.maxCompressedBytes });
    // A blob the hub has not finished writing, or one restored from a backup: it may appear, so it is retried, not refused.
    if (blob.kind !== 'found') return { kind: 'missing', error: `${role} ${digest} read failed: no blob at ${key} (retrying with backoff)` };
    return { kind: 'fetched', digest, bytes: blob.body };
  } catch (err) {
    // Access denied is the store's policy, not the blob: once repaired, the pointer must be read again.
    return failureOf(err, isDriftlessError(err, 'StoreRefused') ? 'blocked' : 'refused');
  }
}
