import pLimit, { type LimitFunction } from 'p-limit';
import {
  decodeBundle,
  DriftlessError,
  encodeValidatedBundle,
  isDriftlessError,
  storeLayout,
  type BundleLimits,
  type Digest,
  type EncodedBundle,
  type KubeObject,
  type ObjectStore,
} from '@driftless/core';
import { blobReadiness, writeBlobs } from '../publish/blobs.js';
import type { PreviewsPointerOutcome, PreviewsReport, SetPreviewsPointer } from './preview-types.js';

/** One live preview's part of the host bundles: its objects per host, in memory when just built, else in its blobs. */
export interface HostContribution {
  readonly slug: string;
  /** When its newest commit was first seen (ISO): the newest preview is the one a host over its limits drops. */
  readonly updatedAt: string;
  /** Its per-host blob digests (`built.bundles`). */
  readonly bundles: ReadonlyMap<string, Digest>;
  /** Its objects per host when this cycle built it. */
  readonly objects?: ReadonlyMap<string, readonly KubeObject[]>;
}

/** What the host phase needs, injected. */
export interface HostBundleDeps {
  readonly store: ObjectStore;
  readonly setPreviews: SetPreviewsPointer;
  readonly limits: BundleLimits;
  /** Blob writes in flight at once. */
  readonly limit: LimitFunction;
  /** Shared canonical-JSON cache of the cycle (see encodeValidatedBundle). */
  readonly cache: WeakMap<object, Uint8Array>;
}

/** A preview left out of a host's bundle this cycle, and why. `unreadable`: its blob is missing or damaged (rebuild it). */
export interface DroppedPreview {
  readonly host: string;
  readonly message: string;
  readonly unreadable: boolean;
}

/** What the host phase did: pointer outcomes (as PreviewsReport) and the previews it had to leave out. */
export interface HostBundlesResult {
  readonly hostsMoved: PreviewsReport['hostsMoved'];
  readonly hostsHeld: PreviewsReport['hostsHeld'];
  readonly dropped: ReadonlyMap<string, DroppedPreview>;
  /** Hosts whose pointer now names a previews bundle (moved or kept to one). */
  readonly withBundle: readonly string[];
  /** Hosts whose pointer now names none (moved or kept to none). */
  readonly cleared: readonly string[];
}

/** Hosts whose bundle is assembled at once (each holds its previews' objects in memory). */
const HOST_CONCURRENCY = 4;

const HELD_REASON = { 'held-frozen': 'the fleet is frozen', 'no-pointer': 'no pointer yet: its first release is not published' } as const;

/**
 * Gives every host of `hosts` one previews bundle: the union of the objects of
 * the `live` previews, read from their blobs (digest verified) unless built
 * this cycle, encoded with `limits` and written put-if-absent (an existing
 * blob is renewed before a pointer moves to it: blobReadiness); then points the
 * host at it. A host of `hosts` that is not in `live` (removed from
 * spec.previews.clusters, or no preview left) gets no previews bundle. When
 * the union is over the limits, the newest preview is left out of that host
 * (reported in `dropped`) until it fits. With `memo` (host -> composition its
 * pointer was last found or set at), a host whose composition is unchanged
 * costs nothing: no blob read, no write, no pointer read. A host that fails
 * (its blobs, its pointer) is held with the error and stops no other host.
 * While `frozen`, a host that would change is held without reading or writing anything.
 */
export async function publishHostBundles(
  deps: HostBundleDeps,
  hosts: readonly string[],
  live: ReadonlySet<string>,
  previews: readonly HostContribution[],
  memo?: Map<string, string>,
  frozen = false,
): Promise<HostBundlesResult> {
  const dropped = new Map<string, DroppedPreview>();
  const hostsMoved: string[] = [];
  const hostsHeld: { cluster: string; reason: string }[] = [];
  const withBundle: string[] = [];
  const cleared: string[] = [];
  const ordered = [...previews].sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : a.slug < b.slug ? -1 : 1));
  // Hosts in their own limit: blob writes inside take deps.limit, which must not wait on its own holders.
  const perHost = pLimit(HOST_CONCURRENCY);
  await Promise.all(
    hosts.map((host) =>
      perHost(async () => {
        const key = compositionKey(host, live, ordered);
        // Unchanged since it last moved or was kept: nothing to read or write (its hosts record stands).
        if (memo?.get(host) === key) return;
        // Frozen (read once per cycle): nothing would move, so nothing is read or written for it.
        if (frozen) {
          hostsHeld.push({ cluster: host, reason: HELD_REASON['held-frozen'] });
          return;
        }
        memo?.delete(host);
        const done = await publishHost(deps, host, live.has(host) ? ordered : [], dropped).catch((err: unknown) => ({ failed: err instanceof Error ? err.message : String(err) }));
        if ('failed' in done) {
          hostsHeld.push({ cluster: host, reason: `previews move failed: ${done.failed}` });
          return;
        }
        const { outcome, named } = done;
        if (outcome === 'moved' || outcome === 'kept') {
          if (outcome === 'moved') hostsMoved.push(host);
          (named ? withBundle : cleared).push(host);
          memo?.set(host, key);
        } else hostsHeld.push({ cluster: host, reason: HELD_REASON[outcome] });
      }),
    ),
  );
  return { hostsMoved: hostsMoved.sort(), hostsHeld: hostsHeld.sort((a, b) => (a.cluster < b.cluster ? -1 : 1)), dropped, withBundle: withBundle.sort(), cleared: cleared.sort() };
}

/** What `host`'s previews bundle is made of: its previews' slugs and blob digests for it, sorted ('' when none). */
function compositionKey(host: string, live: ReadonlySet<string>, previews: readonly HostContribution[]): string {
  if (!live.has(host)) return '';
  const parts = previews.flatMap((p) => {
    const digest = p.bundles.get(host);
    return digest === undefined ? [] : [`${p.slug}=${digest}`];
  });
  return parts.sort().join(',');
}

/** Composes, writes and points one host at its bundle of `previews` (none: the pointer loses its previews). */
async function publishHost(deps: HostBundleDeps, host: string, previews: readonly HostContribution[], dropped: Map<string, DroppedPreview>): Promise<{ outcome: PreviewsPointerOutcome; named: boolean }> {
  const encoded = await hostBundle(deps, host, previews, dropped);
  if (!encoded) return { outcome: await deps.setPreviews(host, undefined), named: false };
  const writes = await writeBlobs(deps.store, [encoded], deps.limit);
  const ready = blobReadiness(deps.store, writes, deps.limits);
  return { outcome: await deps.setPreviews(host, encoded.digest, () => ready(encoded.digest)), named: true };
}

/** The host's bundle of every preview that has objects for it (undefined: none), dropping the newest while over the limits. */
async function hostBundle(deps: HostBundleDeps, host: string, ordered: readonly HostContribution[], dropped: Map<string, DroppedPreview>): Promise<EncodedBundle | undefined> {
  const parts: { slug: string; objects: readonly KubeObject[] }[] = [];
  for (const p of ordered) {
    const objects = await objectsOf(deps, host, p).catch((err: unknown) => {
      if (!isDriftlessError(err) || err.errorClass !== 'stalled') throw err;
      dropped.set(p.slug, { host, message: `preview ${p.slug} bundle for ${host} read failed: ${err.message}`, unreadable: true });
      return undefined;
    });
    if (objects !== undefined) parts.push({ slug: p.slug, objects });
  }
  while (parts.length > 0) {
    try {
      return encodeValidatedBundle(parts.flatMap((p) => p.objects), deps.cache, deps.limits);
    } catch (err) {
      if (!isDriftlessError(err, 'TooLarge') && !isDriftlessError(err, 'InvalidDocument')) throw err;
      const newest = parts.pop() as (typeof parts)[number];
      dropped.set(newest.slug, { host, message: `previews bundle of ${host} encode failed: ${err.message}; preview ${newest.slug}, the newest, is left out`, unreadable: false });
    }
  }
  return undefined;
}

/** The preview's objects for `host`: in memory, or its blob read and verified; undefined when it has none there. */
async function objectsOf(deps: HostBundleDeps, host: string, p: HostContribution): Promise<readonly KubeObject[] | undefined> {
  const inMemory = p.objects?.get(host);
  if (inMemory) return inMemory;
  const digest = p.bundles.get(host);
  if (digest === undefined) return undefined;
  const got = await deps.store.get(storeLayout.blob(digest), { maxBytes: deps.limits.maxCompressedBytes });
  if (got.kind !== 'found') throw missingBlob(digest);
  return decodeBundle(got.body, digest, deps.limits).objects;
}

/** A stalled error for a blob that is gone (a gc, or a hand): the preview is built again. */
function missingBlob(digest: Digest): DriftlessError<'DigestMismatch'> {
  const subject = `bundle ${digest}`;
  return new DriftlessError('DigestMismatch', `${subject} read failed: not found`, { subject, expected: digest, reason: 'not found' });
}
