import type { KubeObject, KubeObjectRef } from '@driftless/core';
import { describeKubeTargetContract } from '@driftless/contracts';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import { MemoryKubeTarget } from './memory-kube.js';
import { StringPool } from './string-pool.js';

describeKubeTargetContract('memory', () => ({ kube: new MemoryKubeTarget() }));
// Every test's server shares one small pool (it starts over often), as a simulated fleet's do.
const shared = new StringPool(16);
describeKubeTargetContract('memory (strings shared between servers)', () => ({ kube: new MemoryKubeTarget({ controllers: 'instant', strings: shared }) }));
describeKubeTargetContract('memory (controllers: instant)', () => ({ kube: new MemoryKubeTarget({ controllers: 'instant' }) }));

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const podSpec = { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'a', image: 'a:1' }] } } };
const workload = (apiVersion: string, kind: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion, kind, metadata: { name: 'w', namespace: 'app' }, spec });
const refOf = (o: KubeObject): KubeObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });

async function withApp(opts: ConstructorParameters<typeof MemoryKubeTarget>[0] = {}): Promise<MemoryKubeTarget> {
  const kube = new MemoryKubeTarget(opts);
  await kube.apply(ns('app'), 'driftless');
  return kube;
}

describe('MemoryKubeTarget', () => {
  it('reports no workload status by itself (controllers: none), like an API server alone', async () => {
    const kube = await withApp();
    expect(((await kube.apply(workload('apps/v1', 'Deployment', podSpec), 'driftless')) as Obj).status).toEqual({});
    expect(((await kube.apply(workload('v1', 'PersistentVolumeClaim', { accessModes: ['ReadWriteOnce'] }), 'driftless')) as Obj).status).toEqual({ phase: 'Pending' });
  });

  it.each([
    ['apps/v1', 'Deployment', { ...podSpec, replicas: 3 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }],
    ['apps/v1', 'Deployment', podSpec, { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1 }],
    ['apps/v1', 'StatefulSet', { ...podSpec, replicas: 2, serviceName: 'w' }, { observedGeneration: 1, readyReplicas: 2, currentRevision: 'w-1', updateRevision: 'w-1' }],
    ['apps/v1', 'DaemonSet', podSpec, { observedGeneration: 1, desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1 }],
    ['batch/v1', 'Job', { template: podSpec.template }, { succeeded: 1, conditions: expect.arrayContaining([expect.objectContaining({ type: 'Complete', status: 'True' })]) as unknown }],
    ['v1', 'PersistentVolumeClaim', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, { phase: 'Bound', capacity: { storage: '1Gi' } }],
  ])('reports %s %s finished at once with controllers: instant', async (apiVersion, kind, spec, status) => {
    const kube = await withApp({ controllers: 'instant' });
    expect(((await kube.apply(workload(apiVersion, kind, spec), 'driftless')) as Obj).status).toMatchObject(status);
  });

  it('follows a new generation with controllers: instant, and leaves a status set by hand until the spec changes', async () => {
    const kube = await withApp({ controllers: 'instant', clock: new VirtualClock(Date.UTC(2026, 0, 1)) });
    const v1 = workload('apps/v1', 'Deployment', podSpec);
    await kube.apply(v1, 'driftless');
    kube.setStatus(refOf(v1), { observedGeneration: 1, updatedReplicas: 0 });
    expect(((await kube.apply(v1, 'driftless')) as Obj).status).toEqual({ observedGeneration: 1, updatedReplicas: 0 });
    const v2 = workload('apps/v1', 'Deployment', { ...podSpec, replicas: 2 });
    const live = (await kube.apply(v2, 'driftless')) as Obj;
    expect(live.metadata['generation']).toBe(2);
    expect(live.status).toMatchObject({ observedGeneration: 2, availableReplicas: 2 });
    expect((live.status?.['conditions'] as { lastTransitionTime: string }[])[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });

  it('removes a deleted Namespace with its contents at once with controllers: instant', async () => {
    const kube = await withApp({ controllers: 'instant' });
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' } }, 'driftless');
    expect(await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'app' })).toBe(true);
    expect(kube.objects().map((o) => o.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  it('awaits the latency model before each request, with what it is about', async () => {
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const kube = new MemoryKubeTarget({
      latency: (op, ref) => {
        seen.push(`${op} ${ref.kind}/${ref.name}`);
        return gate;
      },
    });
    let answered = false;
    const pending = kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }).then(() => (answered = true));
    await Promise.resolve();
    expect(answered).toBe(false);
    release();
    await pending;
    await kube.list('v1', 'ConfigMap', '');
    expect(answered).toBe(true);
    expect(seen).toEqual(['get Namespace/default', 'list ConfigMap/*']);
  });

  it('copies objects in and out: callers cannot change what is stored', async () => {
    const kube = await withApp();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app', labels: { a: '1' } }, data: { k: 'v' } };
    const applied = await kube.apply(cm, 'driftless');
    cm.data.k = 'changed by the caller';
    cm.metadata.labels.a = '2';
    (applied['data'] as Record<string, string>)['k'] = 'changed too';
    const ref = refOf(applied);
    const got = await kube.get(ref);
    expect(got?.['data']).toEqual({ k: 'v' });
    (got?.metadata['labels'] as Record<string, string>)['a'] = '3';
    ((await kube.list('v1', 'ConfigMap', 'a=1'))[0]?.['data'] as Record<string, string>)['k'] = 'and again';
    expect(await kube.get(ref)).toMatchObject({ metadata: { labels: { a: '1' } }, data: { k: 'v' } });
  });

  it('sets status through setStatus without a request, and refuses it for a missing object', async () => {
    const kube = await withApp();
    const job = workload('batch/v1', 'Job', { template: podSpec.template });
    const created = await kube.apply(job, 'driftless');
    const before = { ...kube.counters };
    const failed = kube.setStatus(refOf(job), { conditions: [{ type: 'Failed', status: 'True' }] });
    expect(failed.metadata['resourceVersion']).not.toBe(created.metadata['resourceVersion']);
    expect(((await kube.get(refOf(job))) as Obj).status).toEqual({ conditions: [{ type: 'Failed', status: 'True' }] });
    expect(kube.counters).toEqual({ reads: before.reads + 1, writes: before.writes });
    expect(() => kube.setStatus({ ...refOf(job), name: 'other' }, {})).toThrow(expect.objectContaining({ code: 'KubeRefused' }));
  });

  it('stops serving a CRD\'s kind, and drops its objects, when the CRD is deleted', async () => {
    const kube = await withApp();
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gizmos.example.dev' },
      spec: { group: 'example.dev', scope: 'Cluster', names: { plural: 'gizmos', kind: 'Gizmo' }, versions: [{ name: 'v1', served: true, storage: true }, { name: 'v0', served: false, storage: false }] },
    };
    await kube.apply(crd, 'driftless');
    expect(await kube.resourceOf('example.dev/v0', 'Gizmo')).toBeUndefined();
    await kube.apply({ apiVersion: 'example.dev/v1', kind: 'Gizmo', metadata: { name: 'g' }, spec: { any: 'thing' } }, 'driftless');
    expect(((await kube.get(refOf(crd))) as Obj).spec?.['names']).toEqual({ plural: 'gizmos', kind: 'Gizmo', singular: 'gizmo', listKind: 'GizmoList' });
    expect(await kube.delete(refOf(crd))).toBe(true);
    expect(await kube.resourceOf('example.dev/v1', 'Gizmo')).toBeUndefined();
    expect(kube.objects().some((o) => o.kind === 'Gizmo')).toBe(false);
  });

  it('refuses a CRD whose name is not plural.group', async () => {
    const kube = new MemoryKubeTarget();
    const bad = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'wrong' }, spec: { group: 'example.dev', names: { plural: 'gizmos', kind: 'Gizmo' }, versions: [{ name: 'v1', served: true, storage: true }] } };
    await expect(kube.apply(bad, 'driftless')).rejects.toMatchObject({ code: 'KubeRefused', data: { status: 422, object: 'CustomResourceDefinition/wrong' } });
  });

  it('keeps servers that share a string pool apart: a change to one is not seen by the other', async () => {
    const strings = new StringPool();
    const [a, b] = [await withApp({ strings }), await withApp({ strings })];
    const cm = (v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app', labels: { set: 'x' } }, data: { k: v } });
    await a.apply(cm('1'), 'driftless');
    await b.apply(cm('1'), 'driftless');
    await a.apply(cm('2'), 'driftless');
    expect((await b.list('v1', 'ConfigMap', 'set=x')).map((o) => (o as Obj & { data: unknown }).data)).toEqual([{ k: '1' }]);
    expect((await a.list('v1', 'ConfigMap', 'set=x')).map((o) => (o as Obj & { data: unknown }).data)).toEqual([{ k: '2' }]);
  });

  it.each([
    ['set=x', ['labelled']],
    ['set in (x,y)', ['labelled', 'other-set']],
    ['set', ['labelled', 'other-set']],
    ['!set', ['annotated', 'bare']],
    ['set!=x', ['annotated', 'bare', 'other-set']],
  ])('lists by label %s, not by annotations carrying the same key and value', async (selector, names) => {
    const kube = await withApp();
    const cm = (name: string, metadata: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app', ...metadata } });
    await kube.apply(cm('labelled', { labels: { set: 'x' } }), 'driftless');
    await kube.apply(cm('other-set', { labels: { set: 'y' } }), 'driftless');
    await kube.apply(cm('annotated', { annotations: { set: 'x' } }), 'driftless');
    await kube.apply(cm('bare', {}), 'driftless');
    expect((await kube.list('v1', 'ConfigMap', selector)).map((o) => o.metadata.name)).toEqual(names);
  });
});
