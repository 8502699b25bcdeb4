import { decodeBundle, isDriftlessError, storeLayout } from '@driftless/core';
import type { VerifiedBlob } from '../agent-state.js';
import type { BlobRole } from './fetch-bundle.js';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/**
 * A blob whose bytes hash to its digest and decode within the limits;
 * `corrupt` when they do not hash to it (a damaged or truncated blob, which the
 * hub rewrites: retried like a missing one, see takeIn); or why not.
 */
export type VerifyBundleResult = { readonly kind: 'verified'; readonly blob: VerifiedBlob } | { readonly kind: 'corrupt'; readonly error: string } | StepFailure;

/**
 * Step 4: checks the blob's digest and decodes it (size caps enforced inside
 * zlib), validating every object. Pure CPU: no request. Messages about the
 * previews bundle say so (`previews bundle sha256:… read failed: …`).
 */
export function verifyBundle(ctx: PassContext, fetched: { readonly digest: VerifiedBlob['digest']; readonly bytes: Uint8Array }, role: BlobRole): VerifyBundleResult {
  const named = (message: string) => (role === 'bundle' ? message : `previews ${message}`);
  try {
    const decoded = decodeBundle(fetched.bytes, fetched.digest, ctx.config.bundleLimits);
    return { kind: 'verified', blob: { digest: fetched.digest, objects: decoded.objects } };
  } catch (err) {
    if (isDriftlessError(err, 'DigestMismatch')) {
      return { kind: 'corrupt', error: named(`${err.message} (the blob at ${storeLayout.blob(fetched.digest)} is damaged; retrying with backoff)`) };
    }
    const failure = failureOf(err);
    return { ...failure, error: named(failure.error) };
  }
}
