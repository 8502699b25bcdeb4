import { decodeBundle, storeLayout, type BundleLimits, type Digest, type ObjectRef, type ObjectStore } from '@driftless/core';
import { guardRefOf } from './mass-prune.js';

/** The objects of a published bundle, by digest, as the mass-prune guard compares them (guardRefOf); [] when its blob is gone. */
export type BundleRefsReader = (digest: Digest) => Promise<readonly ObjectRef[]>;

/**
 * Reads (and verifies) published bundles to learn which objects a cluster
 * has now, each digest at most once per publish: many clusters share a bundle.
 */
export function bundleRefsReader(store: ObjectStore, limits: BundleLimits): BundleRefsReader {
  const cache = new Map<Digest, Promise<readonly ObjectRef[]>>();
  return (digest) => {
    let hit = cache.get(digest);
    if (!hit) {
      hit = (async () => {
        const blob = await store.get(storeLayout.blob(digest), { maxBytes: limits.maxCompressedBytes });
        if (blob.kind !== 'found') return [];
        return decodeBundle(blob.body, digest, limits).objects.map(guardRefOf);
      })();
      cache.set(digest, hit);
    }
    return hit;
  };
}
