import { API_VERSION, encodeBundle, signPointer, storeLayout, type BundleLimits, type EncodedBundle, type KubeObject } from '@driftless/core';
import { s3StoreFor, type EnvironmentInfo } from '@driftless/testkit';
import { benchSigningKeys } from './fleet/bench-keys.js';

/**
 * Publishes `objects` as one bundle for `cluster` under `prefix` in the
 * environment's MinIO, with a pointer signed by {@link benchSigningKeys}(1),
 * as the hub would: the setup of the agent benches that run a real agent
 * process against it. Returns the encoded bundle (its sizes go in the report).
 */
export async function publishAgentBundle(info: EnvironmentInfo, prefix: string, cluster: string, objects: readonly KubeObject[], limits: BundleLimits): Promise<EncodedBundle> {
  const encoded = encodeBundle(objects, limits);
  const store = s3StoreFor(info, prefix);
  try {
    await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
    const pointer = signPointer(
      { apiVersion: API_VERSION, kind: 'Pointer', cluster, bundle: encoded.digest, revision: '0'.repeat(40), generation: 1, publishedAt: new Date().toISOString() },
      benchSigningKeys(1).privateKey,
    );
    await store.putIfAbsent(storeLayout.pointer(cluster), new TextEncoder().encode(JSON.stringify(pointer)));
  } finally {
    store.destroy();
  }
  return encoded;
}

/** The AWS variables that point `openStore` at the environment's MinIO (as `driftless agent` reads them). */
export function minioEnv(info: EnvironmentInfo): Record<string, string> {
  const { s3 } = info;
  return { AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: s3.region, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
}
