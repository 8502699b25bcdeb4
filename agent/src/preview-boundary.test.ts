import { APP_ANNOTATION, PREVIEW_LABEL, parseJsonDocument, seededRng, statusSchema, storeLayout, type KubeObject } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, previewBundle, publishBundle } from './testing/publish.js';

const START = Date.UTC(2026, 10, 22);
const ref = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
const release = (...more: KubeObject[]): KubeObject[] => [
  ...colorBundle('app', 'blue').map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { [APP_ANNOTATION]: 'web' } } })),
  ...more,
];

/** An object of the preview `slug` (its label and app), placed in `ns` when given. */
function ofPreview(slug: string, kind: { apiVersion: string; kind: string }, name: string, ns?: string): KubeObject {
  const metadata = { name, ...(ns ? { namespace: ns } : {}), labels: { [PREVIEW_LABEL]: slug }, annotations: { [APP_ANNOTATION]: `${slug}/web` } };
  return { ...kind, metadata };
}

/** A CRD of cluster scope, as a platform would install it on the host. */
const CLUSTER_POLICY_CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'clusterpolicies.policy.example.dev' },
  spec: {
    group: 'policy.example.dev',
    scope: 'Cluster',
    names: { plural: 'clusterpolicies', singular: 'clusterpolicy', kind: 'ClusterPolicy', listKind: 'ClusterPolicyList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
const POLICY = { apiVersion: 'policy.example.dev/v1', kind: 'ClusterPolicy' };

function setup() {
  const clock = new VirtualClock(START);
  const store = new MemoryObjectStore();
  const kube = new MemoryKubeTarget({ clock, controllers: 'instant' });
  const logged: Record<string, unknown>[] = [];
  const agent = createAgent({ clock, rng: seededRng(1), store, kube, log: (e) => logged.push(e), config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true } });
  const status = async () => {
    const got = await store.get(storeLayout.status('c1'));
    return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
  };
  return { store, kube, agent, status, logged };
}

describe("the agent keeps a preview inside its own namespace", () => {
  it('refuses a previews-bundle object discovery reports as cluster-scoped: only its app fails, nothing is made cluster-wide', async () => {
    const { store, kube, agent, status, logged } = setup();
    await kube.apply(CLUSTER_POLICY_CRD, 'platform');
    await publishBundle(store, 'c1', release(), 1, { previews: [...previewBundle('pr-1', 'green'), ofPreview('pr-1', POLICY, 'mutate-all', 'pr-1'), ...previewBundle('pr-2', 'red')] });
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Applied', outcome: { failed: [{ object: 'ClusterPolicy/mutate-all' }] } });
    expect(result.error).toBeUndefined();
    expect(await kube.get({ ...POLICY, name: 'mutate-all' })).toBeUndefined();
    expect(await kube.get(ref('pr-1', 'settings'))).toBeDefined();
    expect(await status()).toMatchObject({ phase: 'Applied', apps: { web: { phase: 'Applied' }, 'pr-1/web': { phase: 'Failed' }, 'pr-2/web': { phase: 'Applied' } } });
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'preview objects failed', failed: [expect.stringMatching(/^ClusterPolicy\/mutate-all apply failed: .*cluster-scoped/)] }));
  });

  it("refuses a previews-bundle object outside its own preview's Namespace, and a Namespace not labelled as that preview's", async () => {
    const { store, kube, agent, status } = setup();
    const intoRelease = ofPreview('pr-1', { apiVersion: 'v1', kind: 'ConfigMap' }, 'sneaky', 'app');
    const intoOther = ofPreview('pr-1', { apiVersion: 'v1', kind: 'ConfigMap' }, 'sneaky', 'pr-2');
    const bare: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } };
    await publishBundle(store, 'c1', release(), 1, { previews: [...previewBundle('pr-1', 'green'), intoRelease, intoOther, bare, ...previewBundle('pr-2', 'red')] });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { failed: [{ object: 'ConfigMap/app/sneaky' }, { object: 'ConfigMap/pr-2/sneaky' }, { object: 'Namespace/bare' }] } });
    expect(await kube.get(ref('app', 'sneaky'))).toBeUndefined();
    expect(await kube.get(ref('pr-2', 'sneaky'))).toBeUndefined();
    expect(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'bare' })).toBeUndefined();
    expect(await status()).toMatchObject({ phase: 'Applied', apps: { web: { phase: 'Applied' }, 'pr-1/web': { phase: 'Failed' }, 'pr-2/web': { phase: 'Applied' } } });
  });

  it('does not adopt a preview Namespace that exists and that it did not create: nothing in it is applied or pruned', async () => {
    const { store, kube, agent, status, logged } = setup();
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } }, 'someone');
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'monitoring' }, data: { color: 'theirs' } }, 'someone');
    await publishBundle(store, 'c1', release(), 1, { previews: [...previewBundle('monitoring', 'green'), ...previewBundle('pr-2', 'red')] });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied' });
    expect((await kube.get(ref('monitoring', 'settings')))?.['data']).toEqual({ color: 'theirs' });
    expect(await status()).toMatchObject({ phase: 'Applied', apps: { web: { phase: 'Applied' }, 'monitoring/web': { phase: 'Failed' }, 'pr-2/web': { phase: 'Applied' } } });
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'preview objects failed', failed: expect.arrayContaining([expect.stringMatching(/Namespace\/monitoring .*not created by this agent/)]) }));

    await publishBundle(store, 'c1', release(), 2);
    // pr-2's Namespace and ConfigMap only: the foreign namespace's were never this agent's.
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { pruned: 2 } });
    expect(await kube.get(ref('pr-2', 'settings'))).toBeUndefined();
    expect((await kube.get(ref('monitoring', 'settings')))?.['data']).toEqual({ color: 'theirs' });
    expect(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'monitoring' })).toBeDefined();
  });

  it('refuses only the preview with an object in both bundles: the release and the other previews apply, the clash is named in a warn line', async () => {
    const { store, kube, agent, status, logged } = setup();
    const clash = ofPreview('pr-1', { apiVersion: 'v1', kind: 'ConfigMap' }, 'settings', 'app');
    await publishBundle(store, 'c1', release(), 1, { previews: [...previewBundle('pr-1', 'green'), clash, ...previewBundle('pr-2', 'red')] });
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Applied', generation: 1 });
    expect(result.error).toBeUndefined();
    expect((await kube.get(ref('app', 'settings')))?.['data']).toEqual({ color: 'blue' });
    expect(await kube.get(ref('pr-1', 'settings')), 'nothing of the clashing preview is applied').toBeUndefined();
    expect((await kube.get(ref('pr-2', 'settings')))?.['data'], 'the other preview goes on').toEqual({ color: 'red' });
    expect(await status()).toMatchObject({ phase: 'Applied', apps: { web: { phase: 'Applied' }, 'pr-1/web': { phase: 'Failed' }, 'pr-2/web': { phase: 'Applied' } } });
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'preview objects failed', failed: expect.arrayContaining([expect.stringMatching(/ConfigMap\/app\/settings is in both/)]) }));
  });

  it('keys containment on the bundle an object came from: a release object refused by the API fails the cluster even labelled as a preview', async () => {
    const { store, agent } = setup();
    const labelled: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad', namespace: 'app', labels: { [PREVIEW_LABEL]: 'pr-1', tier: 'not a valid label value!' } }, data: {} };
    await publishBundle(store, 'c1', release(labelled), 1, { previews: previewBundle('pr-1', 'green') });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/^ConfigMap\/app\/bad apply failed: /) });
  });
});
