import type { KeyObject } from 'node:crypto';
import {
  API_VERSION,
  type BundleLimits,
  canonicalBytes,
  encodeBundle,
  signPointer,
  storeLayout,
  type EncodedBundle,
  type KubeObject,
  type ObjectStore,
  type UnsignedPointer,
} from '@driftless/core';

/** How {@link publishBundle} writes the pointer. */
export interface PublishOptions {
  /** Signs the pointer with this Ed25519 private key. */
  readonly signWith?: KeyObject;
  /** The pointer's `publishedAt`; default a fixed instant, so tests replay. */
  readonly publishedAt?: string;
  /** The pointer's `expiresAt`; default none. */
  readonly expiresAt?: string;
  /** The limits the bundle is encoded under; default the readers' defaults. */
  readonly limits?: BundleLimits;
}

/**
 * Publishes `objects` for `cluster` as the hub would, for tests: the bundle
 * blob (put-if-absent), then the pointer at `generation`. Returns the encoded
 * bundle (its digest and compressed bytes, to tamper with).
 */
export async function publishBundle(
  store: ObjectStore,
  cluster: string,
  objects: readonly KubeObject[],
  generation: number,
  opts: PublishOptions = {},
): Promise<EncodedBundle> {
  const encoded = encodeBundle([...objects], opts.limits);
  await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
  const unsigned: UnsignedPointer = {
    apiVersion: API_VERSION,
    kind: 'Pointer',
    cluster,
    bundle: encoded.digest,
    revision: '0'.repeat(40),
    generation,
    publishedAt: opts.publishedAt ?? '2026-11-22T00:00:00.000Z',
    ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}),
  };
  await store.put(storeLayout.pointer(cluster), canonicalBytes(opts.signWith ? signPointer(unsigned, opts.signWith) : unsigned));
  return encoded;
}

/** A Namespace `ns` and a ConfigMap `settings` in it with `data.color`: the smallest bundle worth reconciling. */
export function colorBundle(ns: string, color: string): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { color } },
  ] as KubeObject[];
}
