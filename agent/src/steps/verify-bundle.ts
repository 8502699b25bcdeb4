import { decodeBundle, isDriftlessError, storeLayout } from '@driftless/core';
import type { AcceptedBundle } from '../agent-state.js';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/**
 * A bundle whose bytes hash to its digest and decode within the limits;
 * `corrupt` when they do not hash to it (a damaged or truncated blob, which the
 * hub rewrites: retried like a missing one, see takeIn); or why not.
 */
export type VerifyBundleResult = { readonly kind: 'verified'; readonly bundle: AcceptedBundle } | { readonly kind: 'corrupt'; readonly error: string } | StepFailure;

/** Step 4: checks the blob's digest and decodes it (size caps enforced inside zlib), validating every object. Pure CPU: no request. */
export function verifyBundle(ctx: PassContext, fetched: { readonly digest: AcceptedBundle['digest']; readonly bytes: Uint8Array }): VerifyBundleResult {
  try {
    const decoded = decodeBundle(fetched.bytes, fetched.digest, ctx.config.bundleLimits);
    return { kind: 'verified', bundle: { digest: fetched.digest, objects: decoded.objects } };
  } catch (err) {
    if (isDriftlessError(err, 'DigestMismatch')) {
      return { kind: 'corrupt', error: `${err.message} (the blob at ${storeLayout.blob(fetched.digest)} is damaged; retrying with backoff)` };
    }
    return failureOf(err);
  }
}
