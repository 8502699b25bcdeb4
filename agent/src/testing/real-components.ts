import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import type { ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { s3StoreFor } from '@driftless/testkit';
import { afterAll, inject } from 'vitest';

/** What an integration test of the agent works with: the shared real environment, its kubeconfig, one hub key pair, and fresh stores on MinIO. */
export interface RealComponents {
  readonly env: ReturnType<typeof inject<'driftlessEnv'>>;
  readonly kc: KubeConfig;
  readonly keys: { readonly publicKey: KeyObject; readonly privateKey: KeyObject };
  /** A store on MinIO under a fresh prefix named after `label`, destroyed after the file's tests. */
  readonly s3Store: (label: string) => ObjectStore;
}

/** Call at a test file's top level: registers the cleanup of the stores it hands out. */
export function realComponents(): RealComponents {
  const env = inject('driftlessEnv');
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  const stores: { destroy(): void }[] = [];
  afterAll(() => stores.forEach((s) => s.destroy()));
  return {
    env,
    kc,
    keys: generateKeyPairSync('ed25519'),
    s3Store: (label) => {
      const store = s3StoreFor(env, uniqueName(label));
      stores.push(store);
      return store;
    },
  };
}
