import { S3Client } from '@aws-sdk/client-s3';
import { KubeConfig } from '@kubernetes/client-node';
import { createS3Store, type S3ObjectStore } from '@driftless/store/s3';
import type { EnvironmentInfo } from '../env/environment.js';

/** An S3 client for the environment's MinIO (path-style, static credentials). Destroy it after use. */
export function s3ClientFor(env: EnvironmentInfo): S3Client {
  return new S3Client({
    endpoint: env.s3.endpoint,
    region: env.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey },
  });
}

/** A KubeConfig for the environment's kube-apiserver, loaded from its kubeconfig file as a user would. */
export function kubeConfigFor(env: EnvironmentInfo): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  return kc;
}

/**
 * The S3 ObjectStore on the environment's MinIO under `prefix` (in tests, a
 * `uniqueName` from @driftless/contracts keeps it apart from other tests). Destroy it after use.
 */
export function s3StoreFor(env: EnvironmentInfo, prefix: string): S3ObjectStore {
  return createS3Store({
    bucket: env.s3.bucket,
    prefix,
    endpoint: env.s3.endpoint,
    region: env.s3.region,
    credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey },
  });
}
