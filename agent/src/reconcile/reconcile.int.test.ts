import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Clock, KubeObject } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { describe, expect, inject, it } from 'vitest';
import { systemClock } from '@driftless/clock';
import { APPLYSET, applySetId } from './applyset.js';
import type { Normalized } from './drift.js';
import { reconcile, type ReconcileDeps } from './reconcile.js';

const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);
// The real clock: the API server's CRD controller takes real time to establish a CRD.
const clock: Clock = systemClock;

function bundle(ns: string, group: string, over: { configMap?: boolean; replicas?: unknown } = {}): KubeObject[] {
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    },
    { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec: { size: 2 } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: ns },
      spec: {
        replicas: over.replicas ?? 2,
        selector: { matchLabels: { app: 'api' } },
        template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'registry.example.invalid/api:1' }] } },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: ns }, spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }] } },
  ];
  if (over.configMap ?? true) objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { color: 'blue' } } as never);
  return objects;
}

function setup() {
  const kube = createKubeTarget(kc);
  const ns = uniqueName('app');
  const group = `${uniqueName('g')}.driftless.dev`;
  const deps: ReconcileDeps = { kube, clock, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') } };
  return { kube, ns, group, deps };
}

describe('reconcile against the real kube-apiserver', () => {
  it('applies a bundle with a Namespace, a CRD and its custom resource, a Deployment, a Service and a ConfigMap', async () => {
    const { kube, ns, group, deps } = setup();
    const outcome = await reconcile(bundle(ns, group), deps);
    expect(outcome).toMatchObject({ applied: 6, unchanged: 0, drifted: 0, pruned: 0, failed: [], degraded: [] });
    // No controller-manager runs here: the Deployment's status never comes, so it is not ready.
    expect(outcome.notReady).toEqual([{ object: `Deployment/${ns}/api`, reason: 'the controller has not observed the latest generation' }]);
    const widget = await kube.get({ apiVersion: `${group}/v1`, kind: 'Widget', namespace: ns, name: 'w' });
    expect(widget?.metadata['labels']).toEqual({ [APPLYSET.partOf]: applySetId(deps.parent) });
    const parent = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: deps.parent.namespace, name: deps.parent.name });
    expect((parent?.metadata['annotations'] as Record<string, string>)[APPLYSET.groupKinds]).toBe(
      `ConfigMap,CustomResourceDefinition.apiextensions.k8s.io,Deployment.apps,Namespace,Service,Widget.${group}`,
    );
  });

  it('sends no write request on a pass with no new bundle and no drift', async () => {
    const { kube, ns, group, deps } = setup();
    await reconcile(bundle(ns, group), deps);
    const writes = kube.counters.writes;
    expect(await reconcile(bundle(ns, group), deps)).toMatchObject({ applied: 0, unchanged: 6, drifted: 0, pruned: 0, failed: [] });
    expect(kube.counters.writes).toBe(writes);
  });

  it('reports a Deployment ready once its status says every replica is available', async () => {
    const { ns, group, deps } = setup();
    await reconcile(bundle(ns, group), deps);
    // What a controller-manager would write: the status subresource.
    await kc.makeApiClient(AppsV1Api).patchNamespacedDeploymentStatus(
      { name: 'api', namespace: ns, body: { status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await reconcile(bundle(ns, group), deps)).notReady).toEqual([]);
  });

  it('does not write every pass for a field the server stores in another form', async () => {
    const { kube, ns, group, deps } = setup();
    const normalized = new Map<string, Normalized>();
    const withQuantities = bundle(ns, group).map((o) =>
      o.kind === 'Deployment'
        ? ({
            ...o,
            spec: {
              ...(o as unknown as { spec: object }).spec,
              template: {
                metadata: { labels: { app: 'api' } },
                spec: { containers: [{ name: 'api', image: 'registry.example.invalid/api:1', resources: { requests: { cpu: '1000m', memory: '1024Mi' } } }] },
              },
            },
          })
        : o,
    );
    await reconcile(withQuantities, { ...deps, normalized });
    const writes = kube.counters.writes;
    expect(await reconcile(withQuantities, { ...deps, normalized })).toMatchObject({ applied: 0, unchanged: 6 });
    expect(kube.counters.writes).toBe(writes);
    // ... but a real change to that field is still drift.
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'api' };
    const live = (await kube.get(ref)) as unknown as { spec: { template: { spec: { containers: { resources: { requests: Record<string, string> } }[] } } } };
    const container = live.spec.template.spec.containers[0];
    if (container) container.resources.requests['cpu'] = '8';
    await kube.apply({ ...(live as unknown as KubeObject), metadata: { name: 'api', namespace: ns } }, 'kubectl-edit');
    expect(await reconcile(withQuantities, { ...deps, normalized })).toMatchObject({ applied: 1, drifted: 1 });
  });

  it('applies a bundle that only removes a field, and the field goes', async () => {
    const { kube, ns, group, deps } = setup();
    const labelled = bundle(ns, group).map((o) => (o.kind === 'ConfigMap' ? ({ ...o, metadata: { ...o.metadata, labels: { team: 'a' } }, data: { color: 'blue', size: 'l' } }) : o));
    await reconcile(labelled, deps);
    expect(await reconcile(bundle(ns, group), deps)).toMatchObject({ applied: 1, failed: [] });
    const live = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
    expect(live?.['data']).toEqual({ color: 'blue' });
    expect((live?.metadata['labels'] as Record<string, string>)['team']).toBeUndefined();
  });

  it('reverts a manual edit of a field it manages, and leaves fields it does not manage alone', async () => {
    const { kube, ns, group, deps } = setup();
    await reconcile(bundle(ns, group), deps);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' };
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, annotations: { note: 'by hand' } }, data: { color: 'red' } }, 'kubectl-edit');
    const outcome = await reconcile(bundle(ns, group), deps);
    expect(outcome).toMatchObject({ applied: 1, drifted: 1, failed: [] });
    const live = await kube.get(ref);
    expect(live?.['data']).toEqual({ color: 'blue' });
    expect((live?.metadata['annotations'] as Record<string, string>)['note']).toBe('by hand');
  });

  it('prunes an object that left the bundle, and never touches one outside the inventory', async () => {
    const { kube, ns, group, deps } = setup();
    await reconcile(bundle(ns, group), deps);
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-ours', namespace: ns }, data: { a: 'b' } }, 'someone-else');
    const outcome = await reconcile(bundle(ns, group, { configMap: false }), deps);
    expect(outcome).toMatchObject({ pruned: 1, failed: [] });
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' })).toBeUndefined();
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'not-ours' })).toBeDefined();
  });

  it('does not prune a copy of a member in a namespace the inventory does not use', async () => {
    const { kube, ns, group, deps } = setup();
    await reconcile(bundle(ns, group), deps);
    const elsewhere = uniqueName('copy');
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: elsewhere } }, 'someone-else');
    const member = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
    const labels = member?.metadata['labels'] as Record<string, string>;
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: elsewhere, labels }, data: { color: 'blue' } }, 'someone-else');
    expect(await reconcile(bundle(ns, group), deps)).toMatchObject({ pruned: 0, failed: [] });
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: elsewhere, name: 'settings' })).toBeDefined();
  });

  it('fails a refused object by name and prunes nothing in that pass', async () => {
    const { kube, ns, group, deps } = setup();
    await reconcile(bundle(ns, group), deps);
    const outcome = await reconcile(bundle(ns, group, { configMap: false, replicas: 'two' }), deps);
    expect(outcome.pruned).toBe(0);
    expect(outcome.failed).toEqual([{ object: `Deployment/${ns}/api`, message: expect.stringMatching(new RegExp(`^Deployment/${ns}/api apply failed: `)) as unknown }]);
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' })).toBeDefined();
  });
});
