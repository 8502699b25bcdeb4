import type { KeyObject } from 'node:crypto';
import {
  API_VERSION,
  APP_ANNOTATION,
  PREVIEW_LABEL,
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
  /** The objects of the cluster's previews bundle: published as a second blob the pointer names in `previews`. Default none. */
  readonly previews?: readonly KubeObject[];
}

/** What {@link publishBundle} wrote: the release bundle, and the previews bundle when one was asked for. */
export type PublishedBundle = EncodedBundle & { readonly previews?: EncodedBundle };

/**
 * Publishes `objects` for `cluster` as the hub would, for tests: the bundle
 * blob (put-if-absent), the previews blob when `opts.previews` is given, then
 * the pointer at `generation` naming both. Returns the encoded bundle (its
 * digest and compressed bytes, to tamper with) and the encoded previews bundle.
 */
export async function publishBundle(
  store: ObjectStore,
  cluster: string,
  objects: readonly KubeObject[],
  generation: number,
  opts: PublishOptions = {},
): Promise<PublishedBundle> {
  const encoded = encodeBundle([...objects], opts.limits);
  await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
  const previews = opts.previews ? encodeBundle([...opts.previews], opts.limits) : undefined;
  if (previews) await store.putIfAbsent(storeLayout.blob(previews.digest), previews.compressed);
  const unsigned: UnsignedPointer = {
    apiVersion: API_VERSION,
    kind: 'Pointer',
    cluster,
    bundle: encoded.digest,
    ...(previews ? { previews: previews.digest } : {}),
    revision: '0'.repeat(40),
    generation,
    publishedAt: opts.publishedAt ?? '2026-11-22T00:00:00.000Z',
    ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}),
  };
  await store.put(storeLayout.pointer(cluster), canonicalBytes(opts.signWith ? signPointer(unsigned, opts.signWith) : unsigned));
  return previews ? { ...encoded, previews } : encoded;
}

/** A Namespace `ns` and a ConfigMap `settings` in it with `data.color`: the smallest bundle worth reconciling. */
export function colorBundle(ns: string, color: string): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { color } },
  ] as KubeObject[];
}

/**
 * A preview environment as the hub builds one: the Namespace `ns` and a
 * ConfigMap `settings` in it, both labelled with the preview and annotated
 * with the app `<ns>/web`.
 */
export function previewBundle(ns: string, color: string): KubeObject[] {
  const metadata = { labels: { [PREVIEW_LABEL]: ns }, annotations: { [APP_ANNOTATION]: `${ns}/web` } };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, ...metadata } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, ...metadata }, data: { color } },
  ] as KubeObject[];
}
