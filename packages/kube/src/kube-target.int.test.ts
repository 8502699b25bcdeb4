import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '@driftless/core';
import { describe, expect, inject, it } from 'vitest';
import { createKubeTarget } from './kube-target.js';

const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);

const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

describe('KubeTarget on the real kube-apiserver', () => {
  it('applies, reads, lists by label and deletes; re-applying the same object changes nothing', async () => {
    const kube = createKubeTarget(kc);
    const namespace = unique('kt');
    await kube.apply(ns(namespace), 'driftless');
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace, labels: { owner: namespace } }, data: { k: 'v' } };
    const created = await kube.apply(cm, 'driftless');
    const again = await kube.apply(cm, 'driftless');
    expect(again.metadata['resourceVersion']).toBe(created.metadata['resourceVersion']);
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'a' }))?.['data']).toEqual({ k: 'v' });
    expect((await kube.list('v1', 'ConfigMap', `owner=${namespace}`)).map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`)).toEqual(['v1/ConfigMap/a']);
    expect(await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'a' })).toBe(true);
    expect(await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'a' })).toBe(false);
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'a' })).toBeUndefined();
  });

  it('counts reads and writes separately', async () => {
    const kube = createKubeTarget(kc);
    await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
    await kube.list('v1', 'Namespace', 'none=here');
    expect(kube.counters).toEqual({ reads: 2, writes: 0 });
    await kube.apply(ns(unique('kt')), 'driftless');
    expect(kube.counters.writes).toBe(1);
  });

  it('discovers scope, and finds a kind whose CRD was applied after the first lookup', async () => {
    const kube = createKubeTarget(kc);
    expect(await kube.resourceOf('apps/v1', 'Deployment')).toEqual({ resource: 'deployments', namespaced: true });
    expect(await kube.resourceOf('v1', 'Namespace')).toEqual({ resource: 'namespaces', namespaced: false });
    const group = `${unique('g')}.driftless.dev`;
    expect(await kube.resourceOf(`${group}/v1`, 'Gizmo')).toBeUndefined();
    await kube.apply(
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `gizmos.${group}` },
        spec: {
          group,
          scope: 'Cluster',
          names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', listKind: 'GizmoList' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      },
      'driftless',
    );
    let info;
    // Discovery catches up with a new CRD within moments; each try is a real lookup.
    for (let i = 0; i < 200 && !info; i++) {
      info = await kube.resourceOf(`${group}/v1`, 'Gizmo');
      if (!info) await new Promise((r) => setTimeout(r, 25));
    }
    expect(info).toEqual({ resource: 'gizmos', namespaced: false });
  });

  it('refuses an invalid object as stalled, naming it and quoting the API server', async () => {
    const kube = createKubeTarget(kc);
    const namespace = unique('kt');
    await kube.apply(ns(namespace), 'driftless');
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace }, spec: { replicas: 'three' } } as unknown as KubeObject;
    const err = await kube.apply(bad, 'driftless').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KubeRefused', errorClass: 'stalled', data: { object: `Deployment/${namespace}/api`, operation: 'apply' } });
    expect((err as Error).message).toMatch(new RegExp(`^Deployment/${namespace}/api apply failed: .*replicas`));
  });

  it('refuses a kind the server does not serve, naming it', async () => {
    const kube = createKubeTarget(kc);
    const err = await kube.apply({ apiVersion: 'nope.driftless.dev/v1', kind: 'Thing', metadata: { name: 't' } }, 'driftless').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KubeRefused' });
    expect((err as Error).message).toContain('Thing/t apply failed');
  });
});
