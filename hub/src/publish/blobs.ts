import type { LimitFunction } from 'p-limit';
import { storeLayout, type Digest, type EncodedBundle, type ObjectStore } from '@driftless/core';
import { settleAll } from '../settle-all.js';

/** The blobs one publish needs, by digest, and what writing them found. */
export interface BlobWrites {
  readonly bytes: ReadonlyMap<Digest, Uint8Array>;
  /** Blobs this publish created. */
  readonly created: number;
  /** Blobs that were there already: possibly old ones a concurrent gc is deleting. */
  readonly existed: ReadonlySet<Digest>;
}

const GZIP = { contentType: 'application/gzip' } as const;

/**
 * Writes every distinct bundle blob put-if-absent (an existing blob is never
 * rewritten) and settles all of them before returning or throwing.
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
  return { bytes, created: created.filter(Boolean).length, existed };
}

/**
 * The gc race: a blob found present before the pointers moved may be an old
 * one that a concurrent gc deleted since. Puts back every blob of `named`
 * (the digests pointers now name) that existed before and is gone now.
 */
export async function repairBlobs(store: ObjectStore, blobs: BlobWrites, named: Iterable<Digest>, limit: LimitFunction): Promise<void> {
  const suspects = new Set([...named].filter((d) => blobs.existed.has(d)));
  await settleAll(
    [...suspects].map((digest) =>
      limit(async () => {
        if (await store.head(storeLayout.blob(digest))) return;
        const body = blobs.bytes.get(digest);
        if (body) await store.putIfAbsent(storeLayout.blob(digest), body, GZIP);
      }),
    ),
  );
}
