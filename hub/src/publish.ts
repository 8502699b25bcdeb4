import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import pLimit from 'p-limit';
import {
  API_VERSION,
  canonicalBytes,
  decodeBundle,
  decodePointer,
  DEFAULT_BUNDLE_LIMITS,
  describeRef,
  DriftlessError,
  listAll,
  parseJsonDocument,
  PointerVerifier,
  refKey,
  refOf,
  revisionRecordSchema,
  signPointer,
  storeLayout,
  type BundleLimits,
  type Digest,
  type EncodedBundle,
  type KubeObject,
  type ObjectStore,
  type Pointer,
  type RevisionRecord,
  type UnsignedPointer,
} from '@driftless/core';
import type { CompiledFleet } from './compile.js';

export interface PublishOptions {
  readonly store: ObjectStore;
  readonly compiled: CompiledFleet;
  /** The clock (injected): pointer and record timestamps. */
  readonly now: () => Date;
  /** Signs every pointer written (`--sign-key`). */
  readonly signingKey?: KeyObject;
  /** Publish even when a cluster would lose more than half of its objects (`--allow-mass-prune`). */
  readonly allowMassPrune?: boolean;
  /** Store requests in flight at most. Default 32. */
  readonly concurrency?: number;
  readonly bundleLimits?: BundleLimits;
  /**
   * The pointers as the previous publish left them (from validated hub state):
   * unchanged clusters cost no request, changed ones are compare-and-swapped on
   * the remembered ETag without reading first, and orphans need no listing.
   */
  readonly previous?: PublishMemo;
  /**
   * Awaited once, before the first pointer is written: the hub invalidates its
   * state marker there, so a publish that fails half-way is never trusted.
   */
  readonly beforePointerWrites?: () => Promise<void>;
}

/** Every pointer this hub knows it wrote: digest, ETag and generation. */
export interface PublishMemo {
  readonly pointers: Readonly<Record<string, PointerMemo>>;
}

export interface PointerMemo {
  readonly digest: Digest;
  readonly etag: string;
  readonly generation: number;
  /** Which key signed it: a key id, `none` (unsigned) or `other` (a key this hub does not hold). */
  readonly keyId: string;
}

/** What a publish did; `refused` clusters kept their old pointer. */
export interface PublishResult {
  readonly revision: string;
  readonly clusters: number;
  readonly uniqueBundles: number;
  readonly blobsWritten: number;
  readonly pointersUpdated: number;
  /** Clusters with a pointer in the store but no file in this commit: their pointer is kept. */
  readonly orphaned: readonly string[];
  readonly refused: readonly { cluster: string; reason: string }[];
  /** For the next publish. */
  readonly memo: PublishMemo;
}

const MAX_POINTER_BYTES = 64 * 1024;

/**
 * Publishes a compiled commit so that every cluster always points at a
 * complete bundle, whatever moment a crash hits: first every blob (put-if-absent:
 * an existing blob is never rewritten), then the pointers whose digest changed
 * (generation + 1, compare-and-swap on the pointer's ETag, signed when a key is
 * given), then `revisions/<sha>.json`. Compiling the same commit again writes
 * nothing. A cluster whose new bundle would remove more than half of its current
 * objects is refused (its pointer stays) unless mass prune is allowed.
 */
export async function publishFleet(opts: PublishOptions): Promise<PublishResult> {
  const { store, compiled } = opts;
  const limit = pLimit(opts.concurrency ?? 32);
  const limits = opts.bundleLimits ?? DEFAULT_BUNDLE_LIMITS;

  const unique = new Map<Digest, Uint8Array>();
  for (const b of compiled.bundles.values()) unique.set(b.digest, b.compressed);
  const existed = new Set<Digest>();
  const created = await settleAll(
    [...unique].map(([digest, bytes]) =>
      limit(async () => {
        const res = await store.putIfAbsent(storeLayout.blob(digest), bytes, { contentType: 'application/gzip' });
        if (res.kind === 'exists') existed.add(digest);
        return res.kind === 'created';
      }),
    ),
  );
  const keyId = opts.signingKey ? signingKeyId(opts.signingKey) : 'none';
  let announced: Promise<void> | undefined;
  const announce = (): Promise<void> => (announced ??= opts.beforePointerWrites?.() ?? Promise.resolve());

  const oldBundles = new Map<string, Promise<Map<string, string>>>();
  /** Each object of a bundle: its key, and how messages name it. */
  const refsOf = (objects: readonly KubeObject[]): Map<string, string> => new Map(objects.map((o) => [refKey(refOf(o)), describeRef(refOf(o))]));
  const objectsOf = (digest: Digest): Promise<Map<string, string>> => {
    let hit = oldBundles.get(digest);
    if (!hit) {
      hit = (async () => {
        const blob = await store.get(storeLayout.blob(digest), { maxBytes: limits.maxCompressedBytes });
        if (blob.kind !== 'found') return new Map<string, string>();
        return refsOf(decodeBundle(blob.body, digest, limits).objects);
      })();
      oldBundles.set(digest, hit);
    }
    return hit;
  };

  const refused: { cluster: string; reason: string }[] = [];
  const published = new Map<string, Digest>();
  const memo: Record<string, PointerMemo> = {};
  const previous = opts.previous?.pointers;

  /** The pointer as it is now: remembered, or read (not found: undefined). */
  const readPointer = async (cluster: string, trustMemo: boolean): Promise<PointerMemo | undefined> => {
    const known = trustMemo ? previous?.[cluster] : undefined;
    if (known) return known;
    const key = storeLayout.pointer(cluster);
    const current = await store.get(key, { maxBytes: MAX_POINTER_BYTES });
    if (current.kind !== 'found') return undefined;
    const p = decodePointer(current.body, `pointer ${key}`, cluster);
    return { digest: p.bundle as Digest, etag: current.etag, generation: p.generation, keyId: signedBy(p, opts.signingKey, keyId) };
  };

  /**
   * Points `cluster` at `digest` (generation + 1) unless it already does and
   * is signed as configured. `bundle` is there when the cluster was rendered;
   * a cluster skipped as unchanged only gets a pointer rewritten for its key.
   */
  const publishOne = async (cluster: string, digest: Digest, bundle: EncodedBundle | undefined, trustMemo: boolean): Promise<boolean> => {
    const key = storeLayout.pointer(cluster);
    const old = await readPointer(cluster, trustMemo);
    if (old?.digest === digest && old.keyId === keyId) {
      published.set(cluster, old.digest);
      memo[cluster] = old;
      return false;
    }
    if (old && bundle && old.digest !== digest && !opts.allowMassPrune) {
      const before = await objectsOf(old.digest);
      const after = refsOf(bundle.bundle.objects);
      const removed = [...before].filter(([key]) => !after.has(key)).map(([, name]) => name);
      if (before.size > 0 && removed.length * 2 > before.size) {
        const sample = removed.slice(0, 3).join(', ');
        refused.push({
          cluster,
          reason: `would remove ${removed.length} of its ${before.size} objects (${sample}${removed.length > 3 ? ', …' : ''}); pass --allow-mass-prune if that is intended`,
        });
        published.set(cluster, old.digest);
        memo[cluster] = old;
        return false;
      }
    }
    const unsigned: UnsignedPointer = {
      apiVersion: API_VERSION,
      kind: 'Pointer',
      cluster,
      bundle: digest,
      revision: compiled.revision,
      generation: (old?.generation ?? 0) + 1,
      publishedAt: opts.now().toISOString(),
    };
    const pointer: Pointer = opts.signingKey ? signPointer(unsigned, opts.signingKey) : unsigned;
    const body = canonicalBytes(pointer);
    await announce();
    const res = old
      ? await store.put(key, body, { ifMatch: old.etag, contentType: 'application/json' })
      : await store.putIfAbsent(key, body, { contentType: 'application/json' });
    if (res.kind === 'written' || res.kind === 'created') {
      published.set(cluster, digest);
      memo[cluster] = { digest, etag: res.etag, generation: unsigned.generation, keyId };
      return true;
    }
    // The remembered pointer was stale (someone else wrote it): read it and decide again.
    if (trustMemo && previous?.[cluster]) return await publishOne(cluster, digest, bundle, false);
    throw new DriftlessError('StoreUnavailable', `pointer ${key} publish failed: it changed while this hub was publishing (another hub running?)`, {
      operation: 'put',
      key,
    });
  };

  // Every write settles before the outcome is known: nothing is still writing
  // when this returns or throws.
  const outcomes = await settleAll([
    ...[...compiled.bundles].map(([cluster, bundle]) => limit(() => publishOne(cluster, bundle.digest, bundle, true))),
    ...[...compiled.unchanged].map(([cluster, digest]) => limit(() => publishOne(cluster, digest, undefined, true))),
  ]);
  // A blob that already existed may be an old one a concurrent gc is deleting right
  // now: make sure every blob a pointer now names is there, and put back any that is not.
  const named = new Set([...compiled.bundles.values()].map((b) => b.digest).filter((d) => existed.has(d)));
  await settleAll(
    [...named].map((digest) =>
      limit(async () => {
        if (await store.head(storeLayout.blob(digest))) return;
        const bytes = unique.get(digest);
        if (bytes) await store.putIfAbsent(storeLayout.blob(digest), bytes, { contentType: 'application/gzip' });
      }),
    ),
  );

  const isCompiled = (c: string): boolean => compiled.bundles.has(c) || compiled.unchanged.has(c);
  const orphaned: string[] = [];
  if (previous) {
    for (const [cluster, p] of Object.entries(previous)) {
      if (!isCompiled(cluster)) {
        orphaned.push(cluster);
        memo[cluster] = p;
      }
    }
  } else {
    for await (const key of listAll(store, storeLayout.clustersPrefix)) {
      const m = /^clusters\/([^/]+)\/desired\.json$/.exec(key);
      if (m?.[1] && !isCompiled(m[1])) {
        orphaned.push(m[1]);
        const p = await readPointer(m[1], false);
        if (p) memo[m[1]] = p;
      }
    }
  }

  await writeRevisionRecord(store, compiled.revision, published, opts.now);
  return {
    revision: compiled.revision,
    clusters: compiled.bundles.size + compiled.unchanged.size,
    uniqueBundles: new Set([...[...compiled.bundles.values()].map((b) => b.digest), ...compiled.unchanged.values()]).size,
    blobsWritten: created.filter(Boolean).length,
    pointersUpdated: outcomes.filter(Boolean).length,
    orphaned: orphaned.sort(),
    refused: refused.sort((a, b) => (a.cluster < b.cluster ? -1 : 1)),
    memo: { pointers: memo },
  };
}

/** Like Promise.all, but waits for every promise before rejecting with the first failure. */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** A stable id of a signing key: the SHA-256 of its public key (SPKI DER), shortened. */
export function signingKeyId(key: KeyObject): string {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}

/** The key id that signed `p`, as far as this hub can tell (`none`, our key's id, or `other`). */
function signedBy(p: Pointer, key: KeyObject | undefined, ourId: string): string {
  if (!p.signature) return 'none';
  if (!key) return 'other';
  try {
    new PointerVerifier(createPublicKey(key)).verify(p, 'pointer', p.cluster);
    return ourId;
  } catch {
    return 'other';
  }
}

/** Writes the revision record unless an identical one (apart from its timestamp) is there. */
async function writeRevisionRecord(store: ObjectStore, revision: string, published: ReadonlyMap<string, Digest>, now: () => Date): Promise<void> {
  const key = storeLayout.revision(revision);
  const clusters = Object.fromEntries([...published].sort(([a], [b]) => (a < b ? -1 : 1)));
  const existing = await store.get(key);
  if (existing.kind === 'found') {
    const old: RevisionRecord = parseJsonDocument(revisionRecordSchema, existing.body, `revision record ${key}`);
    if (JSON.stringify(canonicalBytes(old.clusters)) === JSON.stringify(canonicalBytes(clusters))) return;
  }
  const record: RevisionRecord = { apiVersion: API_VERSION, kind: 'Revision', revision, publishedAt: now().toISOString(), clusters };
  await store.put(key, canonicalBytes(record), { contentType: 'application/json' });
}
