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

/** A name unique to this test run, for buckets prefixes, namespaces and repositories (DNS-1123 safe). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The S3 ObjectStore on the environment's MinIO under a fresh prefix (isolated from other tests). Destroy it after use. */
export function s3StoreFor(env: EnvironmentInfo, prefix: string = uniqueName('test')): S3ObjectStore {
  return createS3Store({
    bucket: env.s3.bucket,
    prefix,
    endpoint: env.s3.endpoint,
    region: env.s3.region,
    credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey },
  });
}
