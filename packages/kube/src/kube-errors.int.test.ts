import { KubeConfig } from '@kubernetes/client-node';
import { uniqueName } from '@driftless/contracts';
import type { KubeObject } from '@driftless/core';
import { describe, expect, inject, it } from 'vitest';
import { createKubeTarget } from './kube-target.js';
import { leaseLock } from './lease-lock.js';

// How the adapters classify what the real kube-apiserver answers: by the Status's code and reason.
const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);

describe('Kubernetes failures on the real kube-apiserver', () => {
  it.each([
    ['a field its schema does not declare', { data: { k: 'v' }, spek: { x: 1 } }, /\.spek: field not declared in schema/],
    ['a wrong type', { data: 'not a map' }, /\.data: expected map, got/],
  ])('refuses an object with %s (a 500 without a reason) as stalled, quoting the API server', async (_what, fields, detail) => {
    const kube = createKubeTarget(kc);
    const namespace = uniqueName('ke');
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 'driftless');
    const bad = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace }, ...fields } as unknown as KubeObject;
    const err = await kube.apply(bad, 'driftless').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KubeRefused', errorClass: 'stalled', data: { object: `ConfigMap/${namespace}/a`, operation: 'apply', status: 500 } });
    expect((err as Error).message).toMatch(new RegExp(`^ConfigMap/${namespace}/a apply failed: failed to create typed patch object .*${detail.source}`));
  });

  it('refuses a Lease in a namespace that does not exist as stalled, quoting the API server', async () => {
    const namespace = uniqueName('missing');
    const err = await leaseLock(kc, namespace, 'leader')
      .create({ holder: 'me', durationMs: 15_000, transitions: 0 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KubeRefused', errorClass: 'stalled', data: { object: `Lease/${namespace}/leader`, operation: 'create', status: 404 } });
    expect((err as Error).message).toBe(`Lease/${namespace}/leader create failed: namespaces "${namespace}" not found`);
  });
});
