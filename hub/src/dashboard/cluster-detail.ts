import {
  APP_ANNOTATION,
  DEFAULT_BUNDLE_LIMITS,
  decodeBundle,
  decodePointer,
  parseJsonDocument,
  STATUS_MAX_BYTES,
  statusSchema,
  storeLayout,
  type Digest,
  type ObjectStore,
  type Pointer,
  type Status,
} from '@driftless/core';
import { MAX_POINTER_BYTES } from '../publish/pointer-moves.js';
import type { BundleObjectRef, ClusterDetail, ClusterRow } from './api-types.js';
import { ApiFailure } from './api-http.js';
import { rowOf } from './fleet-summary.js';

/**
 * Everything the store says about `cluster` (GET /clusters/NAME): its row
 * (ring and labels from `known`, the summary's row, when it has one), the
 * pointer, status, and the objects of the bundle its pointer names. 404
 * when it has neither pointer nor status. A bundle that cannot be read is
 * `objectsError`, not a failure of the whole answer.
 */
export async function clusterDetailOf(store: ObjectStore, cluster: string, known: ClusterRow | undefined): Promise<ClusterDetail> {
  const [p, s] = await Promise.all([store.get(storeLayout.pointer(cluster), { maxBytes: MAX_POINTER_BYTES }), store.get(storeLayout.status(cluster), { maxBytes: STATUS_MAX_BYTES })]);
  if (p.kind !== 'found' && s.kind !== 'found') throw new ApiFailure(404, `cluster ${cluster} read failed: it has no pointer and no status`, 'NotFound');
  const pointer: Pointer | undefined = p.kind === 'found' ? decodePointer(p.body, storeLayout.pointer(cluster), cluster) : undefined;
  const status: Status | undefined = s.kind === 'found' ? parseJsonDocument(statusSchema, s.body, storeLayout.status(cluster)) : undefined;
  const row = rowOf(cluster, pointer, status, { ring: known?.ring, labels: known?.labels });
  let objects: BundleObjectRef[] | undefined;
  let objectsError: string | undefined;
  if (pointer) {
    try {
      objects = await bundleObjects(store, pointer.bundle as Digest);
    } catch (err) {
      objectsError = (err as Error).message;
    }
  }
  const { signature, ...unsigned } = pointer ?? { signature: undefined };
  return {
    row,
    ...(pointer ? { pointer: { ...(unsigned as Omit<Pointer, 'signature'>), signed: signature !== undefined } } : {}),
    ...(status ? { status } : {}),
    ...(status?.appliedBundle !== undefined ? { appliedBundle: status.appliedBundle } : {}),
    ...(objects ? { objects } : {}),
    ...(objectsError !== undefined ? { objectsError } : {}),
    ...(status?.apps !== undefined ? { apps: status.apps } : {}),
  };
}

async function bundleObjects(store: ObjectStore, digest: Digest): Promise<BundleObjectRef[]> {
  const got = await store.get(storeLayout.blob(digest), { maxBytes: DEFAULT_BUNDLE_LIMITS.maxCompressedBytes });
  if (got.kind !== 'found') throw new Error(`bundle ${digest} read failed: it is not in the store`);
  return decodeBundle(got.body, digest).objects.map((o) => {
    const app = (o.metadata.annotations as Readonly<Record<string, string>> | undefined)?.[APP_ANNOTATION];
    return {
      apiVersion: o.apiVersion,
      kind: o.kind,
      ...(o.metadata.namespace !== undefined ? { namespace: o.metadata.namespace } : {}),
      name: o.metadata.name,
      ...(app !== undefined ? { app } : {}),
    };
  });
}
