import { BUNDLE_API_VERSION, DEFAULT_NAMESPACE_ANNOTATION, seededRng, UNPLACED_BUNDLE_API_VERSION, type KubeObject } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { publishBundle } from './testing/publish.js';

const CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'certificates.cert-manager.io' },
  spec: {
    group: 'cert-manager.io',
    scope: 'Namespaced',
    names: { plural: 'certificates', singular: 'certificate', kind: 'Certificate', listKind: 'CertificateList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } };
/** As a hub before the placement hint sent it: in the app's namespace. */
const placed = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'tls', namespace: 'web' }, spec: { secretName: 'tls' } } as KubeObject;
/** As an upgraded hub sends it: no namespace, the app's namespace as a hint. */
const unplaced = { ...placed, metadata: { name: 'tls', annotations: { [DEFAULT_NAMESPACE_ANNOTATION]: 'web' } } } as KubeObject;
const certIn = (namespace: string) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace, name: 'tls' });

function setup() {
  const clock = new VirtualClock(Date.UTC(2026, 10, 22));
  const store = new MemoryObjectStore();
  const kube = new MemoryKubeTarget({ clock });
  const agent = createAgent({
    clock,
    rng: seededRng(1),
    store,
    kube,
    log: () => undefined,
    config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true },
  });
  return { store, kube, agent };
}

describe('an upgraded agent across the hub upgrade (upgrade agents before the hub)', () => {
  it('keeps a custom resource the previous hub placed when the upgraded hub sends it unplaced, and takes the older bundle apiVersion back', async () => {
    const { store, kube, agent } = setup();
    // The CRD is the platform team's, installed beforehand: the hub cannot know the kind's scope.
    await kube.apply(CRD, 'platform-team');
    const before = await publishBundle(store, 'c1', [ns, placed], 1);
    expect(before.bundle.apiVersion).toBe(BUNDLE_API_VERSION);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { applied: 2, pruned: 0, failed: [] } });

    const after = await publishBundle(store, 'c1', [ns, unplaced], 2);
    expect(after.bundle.apiVersion).toBe(UNPLACED_BUNDLE_API_VERSION);
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 2, outcome: { applied: 0, unchanged: 2, pruned: 0, failed: [] } });
    expect(await kube.get(certIn('web'))).toMatchObject({ spec: { secretName: 'tls' } });
    expect(await kube.get(certIn('default'))).toBeUndefined();

    // A bundle of the older apiVersion (a hub rolled back, or a fleet that names the namespace) is read as before.
    await publishBundle(store, 'c1', [ns, placed], 3);
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 3, outcome: { applied: 0, unchanged: 2, pruned: 0, failed: [] } });
    expect(await kube.get(certIn('web'))).toBeDefined();
  });
});
