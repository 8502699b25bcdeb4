import { decodeBundle, decodePointer, listAll, storeLayout, type Bundle, type Digest, type ObjectStore, type Pointer } from '@driftless/core';

/** The pointer of `cluster`; throws when there is none. */
export async function pointerOf(store: ObjectStore, cluster: string): Promise<Pointer> {
  const got = await store.get(storeLayout.pointer(cluster));
  if (got.kind !== 'found') throw new Error(`no pointer for ${cluster}`);
  return decodePointer(got.body, cluster, cluster);
}

/** The bundle `cluster`'s pointer names; throws when there is none. */
export async function bundleOf(store: ObjectStore, cluster: string): Promise<Bundle> {
  const p = await pointerOf(store, cluster);
  const got = await store.get(storeLayout.blob(p.bundle as Digest));
  if (got.kind !== 'found') throw new Error(`no blob for ${cluster}`);
  return decodeBundle(got.body, p.bundle as Digest);
}

/** Each listed cluster's pointed-at digest, or `none`. */
export async function pointedDigests(store: ObjectStore, clusters: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of clusters) {
    const got = await store.get(storeLayout.pointer(c));
    out[c] = got.kind === 'found' ? decodePointer(got.body, 'p', c).bundle : 'none';
  }
  return out;
}

/** Every key in the store. */
export async function storeKeys(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const k of listAll(store, '')) out.push(k);
  return out;
}

/** A bundle's objects as `Kind/namespace/name` (`-` for cluster-scoped), in bundle order. */
export function objectNames(bundle: Bundle): string[] {
  return bundle.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`);
}
