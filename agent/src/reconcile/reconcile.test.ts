import { DriftlessError, type KubeObject, type KubeObjectRef, type KubeTarget } from '@driftless/core';
import { MemoryKubeTarget, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { APPLYSET, applySetId } from './applyset.js';
import type { Normalized } from './drift.js';
import { reconcile, reconcileChanges, type ReconcileDeps } from './reconcile.js';

const START = Date.UTC(2026, 10, 22);
const parent = { name: 'driftless-applyset', namespace: 'driftless-system' };
const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (name: string, data: Record<string, string>, namespace = 'app'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const secret = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'app' }, data: { k: 'dg==' } });
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.ex.dev' },
  spec: { group: 'ex.dev', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
} as unknown as KubeObject;
const widget = { apiVersion: 'ex.dev/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app' } } as KubeObject;
const ref = (o: KubeObject): KubeObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });

function setup(over: Partial<ReconcileDeps> & { kube?: KubeTarget } = {}) {
  const clock = new VirtualClock(START);
  const memory = new MemoryKubeTarget({ clock });
  const deps: ReconcileDeps = { kube: memory, clock, parent, normalized: new Map<string, Normalized>(), members: new WeakMap(), ...over };
  return { clock, memory, deps };
}

describe('reconcile change set', () => {
  it('creates in dependency order, each entry with a reason; a CRD counts ready once Established', async () => {
    const { deps } = setup();
    const set = await reconcileChanges([cm('settings', { color: 'blue' }), widget, ns('app'), crd], deps);
    expect(set).toMatchObject({ aborted: false });
    expect(set.changes.map((c) => [c.object, c.action, c.reason])).toEqual([
      ['CustomResourceDefinition/widgets.ex.dev', 'created', 'not in the cluster'],
      ['Namespace/app', 'created', 'not in the cluster'],
      ['ConfigMap/app/settings', 'created', 'not in the cluster'],
      ['Widget/app/w', 'created', 'not in the cluster'],
    ]);
    expect(await reconcile([cm('settings', { color: 'blue' }), widget, ns('app'), crd], deps)).toMatchObject({ applied: 0, unchanged: 4, notReady: [] });
  });

  it('keeps of each live object only what its health is assessed on, on the first apply and on a drift pass: a pass holds thousands', async () => {
    const { deps } = setup();
    const app = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'app' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } } },
    } as KubeObject;
    const bundle = [ns('app'), cm('settings', { color: 'blue' }), app];
    for (const pass of [await reconcileChanges(bundle, deps), await reconcileChanges(bundle, deps)]) {
      const live = new Map(pass.changes.map((c) => [c.object, c.live as (KubeObject & Record<string, unknown>) | undefined]));
      expect(live.get('ConfigMap/app/settings')).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'app' } });
      expect(live.get('ConfigMap/app/settings')?.['data']).toBeUndefined();
      expect(live.get('Deployment/app/api')?.['spec']).toEqual({ replicas: 3 });
      expect(live.get('Deployment/app/api')?.['status']).toBeDefined();
    }
  });

  it('sends no write when nothing changed, and tells a manual edit from a new desired state', async () => {
    const { memory, deps } = setup();
    await reconcile([ns('app'), cm('settings', { color: 'blue' })], deps);
    const writes = memory.counters.writes;
    const quiet = await reconcileChanges([ns('app'), cm('settings', { color: 'blue' })], deps);
    expect(quiet.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
    expect(memory.counters.writes).toBe(writes);
    await memory.apply(cm('settings', { color: 'red' }), 'kubectl');
    expect((await reconcileChanges([ns('app'), cm('settings', { color: 'blue' })], deps)).changes[1]).toMatchObject({ action: 'configured', reason: 'drifted: data.color' });
    expect((await reconcileChanges([ns('app'), cm('settings', { color: 'green' })], deps)).changes[1]).toMatchObject({ action: 'configured', reason: 'desired state changed' });
  });

  it('prunes members that left the bundle, and nothing outside the inventory', async () => {
    const { memory, deps } = setup();
    await reconcile([ns('app'), ns('other'), cm('settings', {}), cm('gone', {}), secret('s')], deps);
    await memory.apply(cm('not-ours', {}), 'someone-else');
    const set = await reconcileChanges([ns('app'), cm('settings', {})], deps);
    expect(set.changes.filter((c) => c.action === 'pruned').map((c) => [c.object, c.reason])).toEqual([
      ['Secret/app/s', 'left the bundle'],
      ['ConfigMap/app/gone', 'left the bundle'],
      ['Namespace/other', 'left the bundle'],
    ]);
    expect(memory.objects().map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining(['ConfigMap/not-ours', 'ConfigMap/settings']));
    // The parent now declares only what is left.
    const live = await memory.get({ apiVersion: 'v1', kind: 'ConfigMap', ...parent });
    expect((live?.metadata['annotations'] as Record<string, string>)[APPLYSET.groupKinds]).toBe('ConfigMap,Namespace');
  });

  it('does not prune a copy of a member in a namespace the inventory does not use', async () => {
    const { memory, deps } = setup();
    await reconcile([ns('app'), cm('settings', {})], deps);
    await memory.apply(ns('elsewhere'), 'someone-else');
    await memory.apply({ ...cm('copy', {}, 'elsewhere'), metadata: { name: 'copy', namespace: 'elsewhere', labels: { [APPLYSET.partOf]: applySetId(parent) } } }, 'someone-else');
    expect(await reconcile([ns('app'), cm('settings', {})], deps)).toMatchObject({ pruned: 0 });
    expect(await memory.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'elsewhere', name: 'copy' })).toBeDefined();
  });

  it('places a custom resource by its scope from discovery: one given a namespace but served cluster-scoped is never pruned', async () => {
    const { memory, deps } = setup();
    // Installed beforehand, not in the bundle.
    await memory.apply({ ...crd, metadata: { name: 'fences.ex.dev' }, spec: { ...(crd['spec'] as object), scope: 'Cluster', names: { plural: 'fences', kind: 'Fence' } } }, 'platform');
    const fence = { apiVersion: 'ex.dev/v1', kind: 'Fence', metadata: { name: 'f', namespace: 'app' } } as KubeObject;
    expect(await reconcile([ns('app'), fence], deps)).toMatchObject({ applied: 2, pruned: 0 });
    for (let pass = 0; pass < 2; pass++) expect(await reconcile([ns('app'), fence], deps)).toMatchObject({ applied: 0, unchanged: 2, pruned: 0 });
    expect(await memory.get({ apiVersion: 'ex.dev/v1', kind: 'Fence', name: 'f' })).toBeDefined();
  });

  it('prunes nothing in a pass where an object was refused', async () => {
    const { memory, deps } = setup();
    await reconcile([ns('app'), cm('settings', {}), cm('gone', {})], deps);
    const refused = { ...cm('bad', {}), metadata: { name: 'bad', namespace: 'app', labels: { x: 'not a valid value!' } } } as KubeObject;
    const set = await reconcileChanges([ns('app'), cm('settings', {}), refused], deps);
    expect(set.pruneSkipped).toBe('failed');
    expect(set.changes.find((c) => c.action === 'failed')).toMatchObject({ object: 'ConfigMap/app/bad', reason: expect.stringMatching(/^ConfigMap\/app\/bad apply failed: /) as unknown });
    expect(await memory.get(ref(cm('gone', {})))).toBeDefined();
  });

  it('prunes nothing when a kind of the inventory cannot be listed (403), and prunes it once it can', async () => {
    let forbidden = false;
    const { memory, deps } = setup();
    const kube: KubeTarget = {
      resourceOf: (a, k) => memory.resourceOf(a, k),
      get: (r) => memory.get(r),
      apply: (o, m) => memory.apply(o, m),
      delete: (r) => memory.delete(r),
      list: (a, k, s) =>
        forbidden && k === 'Secret'
          ? Promise.reject(new DriftlessError('KubeRefused', 'Secret list failed: forbidden', { object: 'Secret', operation: 'list', status: 403, reason: 'forbidden' }))
          : memory.list(a, k, s),
    };
    await reconcile([ns('app'), cm('settings', {}), secret('s')], { ...deps, kube });
    forbidden = true;
    const set = await reconcileChanges([ns('app'), cm('settings', {})], { ...deps, kube });
    expect(set).toMatchObject({ pruneSkipped: 'incomplete', aborted: false });
    expect(await memory.get(ref(secret('s')))).toBeDefined();
    forbidden = false;
    expect(await reconcile([ns('app'), cm('settings', {})], { ...deps, kube })).toMatchObject({ pruned: 1 });
  });

  it('stops before its next write once the signal aborts, and a later pass still prunes what the stopped one left', async () => {
    const { memory, deps } = setup();
    await reconcile([ns('app'), cm('settings', {}), secret('old')], deps);
    const stop = new AbortController();
    let writes = 0;
    const kube: KubeTarget = Object.assign(Object.create(memory) as MemoryKubeTarget, {
      apply: (o: KubeObject, m: string) => {
        if (++writes === 2) stop.abort();
        return memory.apply(o, m);
      },
    });
    const bigger = [ns('app'), cm('settings', {}), cm('a', {}), cm('b', {})];
    const set = await reconcileChanges(bigger, { ...deps, kube, signal: stop.signal });
    expect(set.aborted).toBe(true);
    expect(writes).toBe(2);
    expect(await memory.get(ref(secret('old')))).toBeDefined();
    expect(await reconcile(bigger, deps)).toMatchObject({ pruned: 1, failed: [] });
    expect(await memory.get(ref(secret('old')))).toBeUndefined();
  });

  it('learns how the server stores a field, so it is not drift on every pass; a real change still is', async () => {
    const { memory, deps } = setup();
    // A server that stores `cpu: 1000m` as `1`, as the real one does with quantities.
    const normalize = (o: KubeObject): KubeObject => JSON.parse(JSON.stringify(o).replaceAll('"1000m"', '"1"')) as KubeObject;
    const kube: KubeTarget = Object.assign(Object.create(memory) as MemoryKubeTarget, { apply: (o: KubeObject, m: string) => memory.apply(normalize(o), m) });
    const objects = [ns('app'), cm('settings', { cpu: '1000m' })];
    await reconcile(objects, { ...deps, kube });
    const writes = memory.counters.writes;
    expect(await reconcile(objects, { ...deps, kube })).toMatchObject({ applied: 0, unchanged: 2 });
    expect(memory.counters.writes).toBe(writes);
    await memory.apply(cm('settings', { cpu: '8' }), 'kubectl-edit');
    expect(await reconcile(objects, { ...deps, kube })).toMatchObject({ applied: 1, drifted: 1 });
  });

  it('counts a CRD ready once Established, though the apply answered before the condition came', async () => {
    const { memory, deps } = setup();
    // The real API server answers the apply of a new CRD without the Established condition.
    const kube: KubeTarget = Object.assign(Object.create(memory) as MemoryKubeTarget, {
      apply: async (o: KubeObject, m: string) => {
        const applied = await memory.apply(o, m);
        return o.kind === 'CustomResourceDefinition' ? { ...applied, status: {} } : applied;
      },
    });
    expect(await reconcile([ns('app'), crd, widget], { ...deps, kube })).toMatchObject({ applied: 3, notReady: [], failed: [] });
  });

  it('fails a CRD that does not become Established in time, after writing it, and prunes nothing', async () => {
    const { clock, memory, deps } = setup({ crdTimeoutMs: 5_000 });
    // An API server whose CRD controller is stuck: the condition never comes.
    const kube: KubeTarget = Object.assign(Object.create(memory) as MemoryKubeTarget, {
      get: async (r: KubeObjectRef) => {
        const o = await memory.get(r);
        return o && r.kind === 'CustomResourceDefinition' ? { ...o, status: {} } : o;
      },
      apply: async (o: KubeObject, m: string) => {
        const applied = await memory.apply(o, m);
        return o.kind === 'CustomResourceDefinition' ? { ...applied, status: {} } : applied;
      },
    });
    const passing = reconcile([ns('app'), crd], { ...deps, kube });
    let settled = false;
    void passing.finally(() => (settled = true));
    await clock.advance(START + 60_000, () => settled);
    expect(await passing).toMatchObject({
      applied: 2,
      failed: [{ object: 'CustomResourceDefinition/widgets.ex.dev', message: 'CustomResourceDefinition/widgets.ex.dev apply failed: not Established after 5s' }],
      notReady: [{ object: 'CustomResourceDefinition/widgets.ex.dev', reason: 'the CRD is not Established' }],
    });
  });
});
