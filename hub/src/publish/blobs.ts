import type { LimitFunction } from 'p-limit';
import { decodeBundle, isDriftlessError, storeLayout, type BundleLimits, type Digest, type EncodedBundle, type ObjectStore } from '@driftless/core';
import { settleAll } from '../settle-all.js';

/** The blobs one publish needs, by digest, and what writing them found. */
export interface BlobWrites {
  readonly bytes: ReadonlyMap<Digest, Uint8Array>;
  /** Blobs this publish created. */
  readonly created: number;
  /** Blobs that were there already: possibly old ones a concurrent gc is deleting. */
  readonly existed: ReadonlySet<Digest>;
  /** Blobs that were there with bytes that did not match their digest (corrupted, truncated), rewritten by blobReadiness. */
  readonly repaired: Set<Digest>;
}

const GZIP = { contentType: 'application/gzip' } as const;

/**
 * Writes every distinct bundle blob put-if-absent (a blob that is there
 * already is left to readyBlob) and settles all of them before returning or
 * throwing.
 */
export async function writeBlobs(store: ObjectStore, bundles: Iterable<EncodedBundle>, limit: LimitFunction): Promise<BlobWrites> {
  const bytes = new Map<Digest, Uint8Array>();
  for (const b of bundles) bytes.set(b.digest, b.compressed);
  const existed = new Set<Digest>();
  const created = await settleAll(
    [...bytes].map(([digest, body]) =>
      limit(async () => {
        const res = await store.putIfAbsent(storeLayout.blob(digest), body, GZIP);
        if (res.kind === 'exists') existed.add(digest);
        return res.kind === 'created';
      }),
    ),
  );
  return { bytes, created: created.filter(Boolean).length, existed, repaired: new Set() };
}

/**
 * What a pointer move awaits before it names `digest`: nothing for a blob this
 * publish created; for one that was there already, once per publish however
 * many clusters move to it, the blob is read and verified against its digest
 * and written again with this publish's bytes. A blob whose bytes do not
 * match (corrupted, truncated) is so repaired (and counted in `repaired`); a
 * good one gets a fresh last-modified time, so that gc's minimum age keeps it
 * while pointers move to it (gc deletes only unreferenced blobs older than
 * that; see collectGarbage).
 */
export function blobReadiness(store: ObjectStore, blobs: BlobWrites, limits: BundleLimits): (digest: Digest) => Promise<void> {
  const ready = new Map<Digest, Promise<void>>();
  return (digest) => {
    const body = blobs.bytes.get(digest);
    if (!body || !blobs.existed.has(digest)) return Promise.resolve();
    let done = ready.get(digest);
    if (!done) {
      done = (async () => {
        const key = storeLayout.blob(digest);
        if (!(await matchesDigest(store, key, digest, body, limits))) blobs.repaired.add(digest);
        await store.put(key, body, GZIP);
      })();
      ready.set(digest, done);
    }
    return done;
  };
}

/**
 * After the pointers moved, one HEAD per blob this publish's clusters name
 * that was there before it (blobs it created are whole): a missing one (the
 * gc race: a concurrent gc deleted an old blob since it was found present) is
 * put back; one that a kept pointer names (a cluster rendered again whose
 * bundle did not change) and that no pointer move verified is read and
 * verified when its size is not that of this publish's bytes (another hub's
 * gzip may differ and still be right), and rewritten when damaged (counted in
 * `repaired`). Clusters skipped as unchanged (hub state) cost nothing here:
 * their bytes are not at hand.
 */
export async function checkNamedBlobs(
  store: ObjectStore,
  blobs: BlobWrites,
  check: { readonly named: Iterable<Digest>; readonly kept: ReadonlySet<Digest> },
  limits: BundleLimits,
  limit: LimitFunction,
): Promise<void> {
  const suspects = new Set([...check.named].filter((d) => blobs.existed.has(d)));
  await settleAll(
    [...suspects].map((digest) =>
      limit(async () => {
        const key = storeLayout.blob(digest);
        const body = blobs.bytes.get(digest);
        const head = await store.head(key);
        if (!head) {
          if (body) await store.putIfAbsent(key, body, GZIP);
          return;
        }
        if (!body || !check.kept.has(digest) || head.size === body.byteLength || (await matchesDigest(store, key, digest, body, limits))) return;
        await store.put(key, body, GZIP);
        blobs.repaired.add(digest);
      }),
    ),
  );
}

/** Whether the blob at `key` holds a bundle with this digest: the same bytes as ours, or bytes that decode and hash to it. */
async function matchesDigest(store: ObjectStore, key: string, digest: Digest, ours: Uint8Array, limits: BundleLimits): Promise<boolean> {
  const got = await store.get(key, { maxBytes: limits.maxCompressedBytes }).catch((err: unknown) => {
    if (isDriftlessError(err, 'TooLarge')) return undefined;
    throw err;
  });
  if (got?.kind !== 'found') return false;
  if (Buffer.from(got.body).equals(ours)) return true;
  try {
    decodeBundle(got.body, digest, limits);
    return true;
  } catch (err) {
    // Another hub's gzip may differ byte for byte and still be right; anything that fails to decode to the digest is not.
    if (isDriftlessError(err) && err.errorClass === 'stalled') return false;
    throw err;
  }
}

