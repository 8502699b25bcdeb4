import { KubeConfig } from '@kubernetes/client-node';
import { describeKubeTargetContract, uniqueName } from '@driftless/contracts';
import type { KubeObject } from '@driftless/core';
import { describe, expect, inject, it } from 'vitest';
import { createKubeTarget } from './kube-target.js';

const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);

// The same contract as MemoryKubeTarget (packages/fakes), so the fake cannot drift from this adapter.
describeKubeTargetContract('kube-apiserver', () => ({ kube: createKubeTarget(kc) }));

describe('KubeTarget on the real kube-apiserver only', () => {
  it('refuses an object that does not fit its schema as stalled, naming it and quoting the API server', async () => {
    // The in-memory API has no schemas: only the real one knows replicas must be an integer.
    const kube = createKubeTarget(kc);
    const namespace = uniqueName('kt');
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 'driftless');
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace }, spec: { replicas: 'three' } } as unknown as KubeObject;
    const err = await kube.apply(bad, 'driftless').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KubeRefused', errorClass: 'stalled', data: { object: `Deployment/${namespace}/api`, operation: 'apply' } });
    expect((err as Error).message).toMatch(new RegExp(`^Deployment/${namespace}/api apply failed: .*replicas`));
  });
});
