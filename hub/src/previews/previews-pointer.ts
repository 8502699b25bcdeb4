import type { KeyObject } from 'node:crypto';
import { canonicalBytes, decodePointer, DriftlessError, signPointer, storeLayout, type Clock, type Digest, type ObjectStore, type Pointer, type UnsignedPointer } from '@driftless/core';
import { readFreeze } from '../control/freeze.js';
import { DEFAULT_POINTER_TTL_MS } from '../publish/publish-fleet.js';
import { MAX_POINTER_BYTES } from '../publish/pointer-moves.js';
import type { SetPreviewsPointer } from './preview-types.js';

/** What {@link createSetPreviewsPointer} needs. */
export interface SetPreviewsPointerDeps {
  readonly store: ObjectStore;
  readonly clock: Pick<Clock, 'now'>;
  /** Signs every pointer written (as publishes do); without it a signed pointer is refused, not replaced unsigned. */
  readonly signingKey?: KeyObject;
  /** A signed pointer's `expiresAt` is its `publishedAt` plus this, ms. Default DEFAULT_POINTER_TTL_MS. */
  readonly pointerTtlMs?: number;
  /** Writes tried per call when other writers (a publish, a flag override) keep moving the pointer first. Default 5. */
  readonly attempts?: number;
}

/**
 * The SetPreviewsPointer of the preview cycle (see its contract in
 * preview-types.ts): reads the host's pointer, answers `kept`, `no-pointer`
 * or `held-frozen` without writing, else writes the pointer with `previews`
 * set (or removed), generation + 1, `publishedAt` now and, with a key, a new
 * `expiresAt` and signature, compare-and-swap on the ETag it read. A lost
 * swap reads the pointer again and re-applies the change to what the other
 * writer left; after `attempts` losses it is a stalled `PublishConflict`.
 */
export function createSetPreviewsPointer(deps: SetPreviewsPointerDeps): SetPreviewsPointer {
  const attempts = deps.attempts ?? 5;
  return async (cluster, digest, beforeMove) => {
    const key = storeLayout.pointer(cluster);
    let ready = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const got = await deps.store.get(key, { maxBytes: MAX_POINTER_BYTES });
      if (got.kind !== 'found') return 'no-pointer';
      const current = decodePointer(got.body, `pointer ${key}`, cluster);
      if (current.previews === digest) return 'kept';
      // Read per attempt: a freeze that begins while we retry stops the move.
      if (await readFreeze(deps.store)) return 'held-frozen';
      const body = canonicalBytes(withPreviews(deps, current, digest, key));
      if (!ready) await beforeMove?.();
      ready = true;
      const put = await deps.store.put(key, body, { ifMatch: got.etag, contentType: 'application/json' });
      if (put.kind === 'written') return 'moved';
    }
    throw new DriftlessError('PublishConflict', `pointer ${key} previews move failed: it changed under every one of ${attempts} attempts (a publish or another hub moving it)`, {
      cluster,
      key,
    });
  };
}

/** `current` with `previews` at `digest` (undefined: without it), the next generation, published now, signed as publishes sign. */
function withPreviews(deps: SetPreviewsPointerDeps, current: Pointer, digest: Digest | undefined, key: string): Pointer {
  const { signature, expiresAt: _expiry, previews: _previous, ...rest } = current;
  if (signature && !deps.signingKey) {
    throw new DriftlessError(
      'PublishRefused',
      `pointer ${key} previews move failed: it is signed and this run has no signing key; agents that verify signatures would refuse an unsigned pointer, so pass --sign-key`,
      { clusters: [{ cluster: current.cluster, reason: 'signed pointer, no signing key' }] },
    );
  }
  const now = deps.clock.now();
  const unsigned: UnsignedPointer = { ...rest, ...(digest ? { previews: digest } : {}), generation: current.generation + 1, publishedAt: new Date(now).toISOString() };
  // Only a signed expiry means anything: anyone who can write the store could edit an unsigned one.
  if (!deps.signingKey) return unsigned;
  return signPointer({ ...unsigned, expiresAt: new Date(now + (deps.pointerTtlMs ?? DEFAULT_POINTER_TTL_MS)).toISOString() }, deps.signingKey);
}
