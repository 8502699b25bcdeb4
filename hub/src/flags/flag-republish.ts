import pLimit from 'p-limit';
import {
  applyFlagOverrides,
  decodeBundle,
  DEFAULT_BUNDLE_LIMITS,
  DriftlessError,
  encodeBundle,
  isFlagsConfigMap,
  storeLayout,
  type Bundle,
  type Clock,
  type Digest,
  type FlagOverride,
  type ObjectStore,
  type Rollout,
} from '@driftless/core';
import { settleAll } from '../settle-all.js';
import { overridesKey } from './flag-overrides-store.js';
import type { RolloutMoveDeps } from '../rollout/rollout-moves.js';
import { casRollout, readCurrentRolloutDocument, rolloutConflict, ROLLOUT_CAS_ATTEMPTS } from '../rollout/rollout-store.js';

/** Store requests in flight at once while rewriting bundles and moving pointers (as the rollout's moves). */
const STORE_CONCURRENCY = 32;

/** Decoded bundles a rewriter keeps after reading them (two rounds of concurrent reads). */
const RECENT_BUNDLES = 2 * STORE_CONCURRENCY;

/** What republishing overridden bundles needs: what moving a rollout's pointers needs (the hub-state marker is invalidated the same way). */
export type FlagRepublishDeps = Pick<RolloutMoveDeps, 'store' | 'clock' | 'newId' | 'signingKey' | 'pointerTtlMs' | 'log'>;

/**
 * Rewrites published bundles under overrides, each (digest, overrides) once:
 * reads and verifies the blob, applies the overrides, and puts the new blob
 * (put-if-absent) when its digest differs. Resolves with the new digest (the
 * same one when nothing changes); rejects with Internal when the blob is gone.
 */
export function bundleRewriter(store: ObjectStore): {
  rewrite(digest: Digest, overrides: ReadonlyMap<string, FlagOverride>): Promise<Digest>;
  read(digest: Digest): Promise<Bundle | undefined>;
} {
  // Reads in flight are shared, and only the last RECENT_BUNDLES decoded
  // bundles are kept (enough for flag set's variant check to hand its batch
  // to the republish): 10,000 decoded bundles held for a whole call would be
  // gigabytes. Rewritten digests are all kept (a few bytes each).
  const reading = new Map<Digest, Promise<Bundle | undefined>>();
  const recent = new Map<Digest, Bundle | undefined>();
  const rewritten = new Map<string, Promise<Digest>>();
  const read = (digest: Digest): Promise<Bundle | undefined> => {
    if (recent.has(digest)) return Promise.resolve(recent.get(digest));
    let hit = reading.get(digest);
    if (!hit) {
      hit = (async () => {
        const blob = await store.get(storeLayout.blob(digest), { maxBytes: DEFAULT_BUNDLE_LIMITS.maxCompressedBytes });
        const bundle = blob.kind === 'found' ? decodeBundle(blob.body, digest, DEFAULT_BUNDLE_LIMITS) : undefined;
        recent.set(digest, bundle);
        for (const old of recent.keys()) {
          if (recent.size <= RECENT_BUNDLES) break;
          recent.delete(old);
        }
        return bundle;
      })().finally(() => reading.delete(digest));
      reading.set(digest, hit);
    }
    return hit;
  };
  const rewrite = (digest: Digest, overrides: ReadonlyMap<string, FlagOverride>): Promise<Digest> => {
    const cacheKey = `${digest} ${overridesKey(overrides)}`;
    let hit = rewritten.get(cacheKey);
    if (!hit) {
      hit = (async () => {
        const bundle = await read(digest);
        // A published bundle that is gone would leave its cluster silently without the override (review 14b #5).
        if (!bundle) throw new DriftlessError('Internal', `bundle ${digest} rewrite failed: ${storeLayout.blob(digest)} is missing from the store`, { invariant: 'a published bundle stays in the store' });
        if (!bundle.objects.some(isFlagsConfigMap)) return digest;
        const objects = applyFlagOverrides(bundle.objects, overrides);
        if (objects.every((o, i) => o === bundle.objects[i])) return digest;
        const encoded = encodeBundle(objects);
        if (encoded.digest !== digest) await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed, { contentType: 'application/gzip' });
        return encoded.digest;
      })();
      // A failed rewrite is not remembered: a later call for it tries again.
      hit.catch(() => rewritten.delete(cacheKey));
      rewritten.set(cacheKey, hit);
    }
    return hit;
  };
  return { rewrite, read };
}

/** How a cluster's bundles are rewritten: its overrides (every active one that applies to it). */
export type OverridesOf = (cluster: string) => ReadonlyMap<string, FlagOverride>;
type Rewriter = ReturnType<typeof bundleRewriter>;

/**
 * Rewrites the current rollout document (compare-and-swap) so that each of
 * `clusters` has the overridden bundles as its `to`, `from` and pending
 * moves: a later wave or revert then never moves it to a bundle without the
 * override. Resolves with the rollout's id when it changed it.
 */
export async function rewriteRolloutBundles(store: ObjectStore, clock: Clock, rewriter: Rewriter, clusters: readonly string[], overridesOf: OverridesOf): Promise<string | undefined> {
  for (let attempt = 0; attempt < ROLLOUT_CAS_ATTEMPTS; attempt++) {
    const read = await readCurrentRolloutDocument(store);
    if (!read) return undefined;
    const next = await rewrittenRollout(read.doc, rewriter, clusters, overridesOf);
    if (next === read.doc) return undefined;
    const written = { ...next, version: read.doc.version + 1, updatedAt: new Date(clock.now()).toISOString() };
    if ((await casRollout(store, written, read.etag)) !== undefined) return read.doc.id;
  }
  throw rolloutConflict('current');
}

async function rewrittenRollout(doc: Rollout, rewriter: Rewriter, clusters: readonly string[], overridesOf: OverridesOf): Promise<Rollout> {
  const wanted = new Set(clusters);
  let changed = false;
  // Each rewrite reads a bundle and may write one: a 10,000-cluster rollout must not open 20,000 requests at once.
  const limit = pLimit(STORE_CONCURRENCY);
  const swap = async (cluster: string, digest: string): Promise<string> => {
    const out = await limit(() => rewriter.rewrite(digest as Digest, overridesOf(cluster)));
    if (out !== digest) changed = true;
    return out;
  };
  const entries = await settleAll(
    Object.entries(doc.clusters).map(async ([name, c]) => {
      if (!wanted.has(name)) return [name, c] as const;
      const to = await swap(name, c.to);
      const from = c.from === undefined ? {} : { from: await swap(name, c.from) };
      return [name, { ...c, to, ...from }] as const;
    }),
  );
  const pendingMoves = doc.pendingMoves
    ? { pendingMoves: await settleAll(doc.pendingMoves.map(async (m) => (wanted.has(m.cluster) ? { ...m, digest: await swap(m.cluster, m.digest) } : m))) }
    : {};
  return changed ? { ...doc, clusters: Object.fromEntries(entries), ...pendingMoves } : doc;
}

/** One pointer the republish moved: to which bundle, at which generation. */
export interface RepublishedPointer {
  readonly cluster: string;
  readonly bundle: string;
  readonly generation: number;
}
