import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '@driftless/clock';
import { uniqueName } from '@driftless/contracts';
import { DEFAULT_NAMESPACE_ANNOTATION, isDriftlessError, PREVIEW_LABEL, type KubeObject } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { describe, expect, inject, it } from 'vitest';
import { reconcile, reconcileChanges, type ReconcileDeps } from './reconcile.js';
import { waitEstablished } from './wait-established.js';

const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);

function crd(group: string, kind: string, scope: 'Cluster' | 'Namespaced'): KubeObject {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

/** Installs CRDs by hand, as a cluster's platform team would before Driftless sees them (not in the bundle). */
async function installBeforehand(kube: ReturnType<typeof createKubeTarget>, ...crds: KubeObject[]): Promise<void> {
  for (const c of crds) {
    await kube.apply(c, 'platform-team');
    const ref = { apiVersion: c.apiVersion, kind: c.kind, name: c.metadata.name };
    expect(await waitEstablished(kube, systemClock, ref, 30_000)).toMatchObject({ kind: 'established' });
    // Established comes a moment before the kind's storage answers lists (429 "storage is (re)initializing").
    const spec = c['spec'] as { group: string; names: { kind: string } };
    await listable(kube, `${spec.group}/v1`, spec.names.kind);
  }
}

async function listable(kube: ReturnType<typeof createKubeTarget>, apiVersion: string, kind: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await kube.list(apiVersion, kind, 'none=here');
      return;
    } catch (err) {
      if (!isDriftlessError(err, 'KubeUnavailable') || i > 400) throw err;
      await sleep(25);
    }
  }
}

describe('object scope from API discovery, against the real kube-apiserver', () => {
  it('keeps a cluster-scoped custom resource given a namespace (a CRD installed beforehand): applied once, never pruned, no flapping', async () => {
    const kube = createKubeTarget(kc);
    const group = `${uniqueName('g')}.driftless.dev`;
    await installBeforehand(kube, crd(group, 'ClusterPolicy', 'Cluster'));
    const ns = uniqueName('app');
    const deps: ReconcileDeps = { kube, clock: systemClock, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') } };
    // As the hub placed it before it knew better: the app's namespace on a cluster-scoped kind.
    const policy = { apiVersion: `${group}/v1`, kind: 'ClusterPolicy', metadata: { name: 'require-labels', namespace: ns }, spec: { rules: 1 } } as KubeObject;
    const objects = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, policy];
    expect(await reconcile(objects, deps)).toMatchObject({ applied: 2, pruned: 0, failed: [] });
    for (let pass = 0; pass < 2; pass++) expect(await reconcile(objects, deps)).toMatchObject({ applied: 0, unchanged: 2, pruned: 0, failed: [] });
    const live = await kube.get({ apiVersion: `${group}/v1`, kind: 'ClusterPolicy', name: 'require-labels' });
    expect(live?.metadata.namespace).toBeUndefined();
  });

  it("places a namespaced custom resource of a kind the hub could not know in the bundle's default namespace, and a cluster-scoped one nowhere", async () => {
    const kube = createKubeTarget(kc);
    const group = `${uniqueName('g')}.driftless.dev`;
    await installBeforehand(kube, crd(group, 'Gadget', 'Namespaced'), crd(group, 'Fence', 'Cluster'));
    const ns = uniqueName('app');
    const deps: ReconcileDeps = { kube, clock: systemClock, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') } };
    const unplaced = (kind: string): KubeObject => ({ apiVersion: `${group}/v1`, kind, metadata: { name: 'x', annotations: { [DEFAULT_NAMESPACE_ANNOTATION]: ns } } });
    const objects = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, unplaced('Gadget'), unplaced('Fence')];
    const first = await reconcileChanges(objects, deps);
    expect(first.changes.map((c) => [c.object, c.action])).toEqual([
      [`Namespace/${ns}`, 'created'],
      ['Fence/x', 'created'],
      [`Gadget/${ns}/x`, 'created'],
    ]);
    expect(await kube.get({ apiVersion: `${group}/v1`, kind: 'Gadget', namespace: 'default', name: 'x' })).toBeUndefined();
    const gadget = await kube.get({ apiVersion: `${group}/v1`, kind: 'Gadget', namespace: ns, name: 'x' });
    // The placement hint is the agent's, not the object's: it never reaches the cluster.
    expect((gadget?.metadata['annotations'] as Record<string, string>)[DEFAULT_NAMESPACE_ANNOTATION]).toBeUndefined();
    expect(await reconcile(objects, deps)).toMatchObject({ applied: 0, unchanged: 3, pruned: 0, failed: [] });
  });

  it('keeps a namespaced custom resource the previous hub placed when the upgraded hub sends it unplaced: nothing pruned, nothing in default', async () => {
    const kube = createKubeTarget(kc);
    const group = `${uniqueName('g')}.driftless.dev`;
    await installBeforehand(kube, crd(group, 'Gadget', 'Namespaced'));
    const ns = uniqueName('app');
    const deps: ReconcileDeps = { kube, clock: systemClock, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') } };
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
    const gadget = { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'x', namespace: ns }, spec: { size: 1 } } as KubeObject;
    expect(await reconcile([namespace, gadget], deps)).toMatchObject({ applied: 2, pruned: 0, failed: [] });
    const unplaced = { ...gadget, metadata: { name: 'x', annotations: { [DEFAULT_NAMESPACE_ANNOTATION]: ns } } } as KubeObject;
    expect(await reconcile([namespace, unplaced], deps)).toMatchObject({ applied: 0, unchanged: 2, pruned: 0, failed: [] });
    expect(await kube.get({ apiVersion: `${group}/v1`, kind: 'Gadget', namespace: ns, name: 'x' })).toMatchObject({ spec: { size: 1 } });
    expect(await kube.get({ apiVersion: `${group}/v1`, kind: 'Gadget', namespace: 'default', name: 'x' })).toBeUndefined();
  });

  it("refuses a preview's custom resource of a cluster-scoped kind and a preview in a namespace it did not create: neither reaches the cluster", async () => {
    const kube = createKubeTarget(kc);
    const group = `${uniqueName('g')}.driftless.dev`;
    await installBeforehand(kube, crd(group, 'ClusterPolicy', 'Cluster'));
    const [ns, pr, foreign, policy] = [uniqueName('app'), uniqueName('pr'), uniqueName('taken'), uniqueName('mutate-all')];
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: foreign } }, 'someone');
    const deps: ReconcileDeps = { kube, clock: systemClock, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') } };
    const label = (slug: string) => ({ labels: { [PREVIEW_LABEL]: slug } });
    const previews: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: pr, ...label(pr) } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: pr, ...label(pr) }, data: { k: 'v' } },
      { apiVersion: `${group}/v1`, kind: 'ClusterPolicy', metadata: { name: policy, namespace: pr, ...label(pr) }, spec: { mutate: 'all' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: foreign, ...label(foreign) } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: foreign, ...label(foreign) }, data: { k: 'v' } },
    ];
    const release: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { k: 'v' } },
    ];
    const set = await reconcileChanges([...release, ...previews], deps, new Set(previews));
    const failed = set.changes.filter((c) => c.action === 'failed');
    expect(failed.map((c) => [c.object, c.preview])).toEqual([
      [`ClusterPolicy/${policy}`, pr],
      [`Namespace/${foreign}`, foreign],
      [`ConfigMap/${foreign}/settings`, foreign],
    ]);
    expect(failed[0]?.reason).toMatch(/cluster-scoped/);
    expect(await kube.get({ apiVersion: `${group}/v1`, kind: 'ClusterPolicy', name: policy })).toBeUndefined();
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: foreign, name: 'settings' })).toBeUndefined();
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: pr, name: 'settings' })).toBeDefined();
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' })).toBeDefined();
  });
});
