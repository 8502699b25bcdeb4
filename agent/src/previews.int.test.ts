import { APP_ANNOTATION, parseJsonDocument, seededRng, statusSchema, storeLayout, type KubeObject, type ObjectStore } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, previewBundle, publishBundle } from './testing/publish.js';
import { realComponents } from './testing/real-components.js';

// The previews scenarios run as unit tests on the in-memory store and API (previews.test.ts); this checks
// the path once against MinIO and the real kube-apiserver, with a signed pointer naming both bundles.
const { kc, keys, s3Store } = realComponents();

async function statusOf(store: ObjectStore) {
  const got = await store.get(storeLayout.status('c1'));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

/** Gone, or being deleted: the test kube-apiserver runs no namespace controller, so a deleted Namespace stays Terminating. */
const deleted = (o: KubeObject | undefined) => o === undefined || o.metadata['deletionTimestamp'] !== undefined;

describe('agent with a previews bundle, against MinIO and the real kube-apiserver', () => {
  it("applies both bundles of a signed pointer, reports appliedPreviews and apps, and prunes the preview and its Namespace once the pointer names none", async () => {
    const store = s3Store('previews');
    const [app, preview] = [uniqueName('app'), uniqueName('pr')];
    const release = colorBundle(app, 'blue').map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { [APP_ANNOTATION]: 'web' } } }));
    const kube = createKubeTarget(kc);
    const agent = createAgent({
      clock: new VirtualClock(Date.UTC(2026, 10, 22)),
      rng: seededRng(1),
      store,
      kube,
      config: { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') }, verifyKeys: [keys.publicKey] },
    });
    const published = await publishBundle(store, 'c1', release, 1, { signWith: keys.privateKey, previews: previewBundle(preview, 'green') });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 1, outcome: { applied: 4 } });
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: preview, name: 'settings' }))?.['data']).toEqual({ color: 'green' });
    expect(await statusOf(store)).toMatchObject({
      phase: 'Applied',
      appliedBundle: published.digest,
      appliedPreviews: published.previews?.digest,
      objects: { total: 4, ready: 4 },
      apps: { web: { phase: 'Applied', ready: 2, total: 2 }, [`${preview}/web`]: { phase: 'Applied', ready: 2, total: 2 } },
    });

    await publishBundle(store, 'c1', release, 2, { signWith: keys.privateKey });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 2, outcome: { pruned: 2, applied: 0, unchanged: 2 } });
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: preview, name: 'settings' })).toBeUndefined();
    expect(deleted(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: preview }))).toBe(true);
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'settings' }))?.['data']).toEqual({ color: 'blue' });
    expect(deleted(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: app }))).toBe(false);
    const after = await statusOf(store);
    expect(after).toMatchObject({ phase: 'Applied', observedGeneration: 2, appliedBundle: published.digest, apps: { web: { phase: 'Applied', ready: 2, total: 2 } } });
    expect(after?.appliedPreviews).toBeUndefined();
    expect(Object.keys(after?.apps ?? {})).toEqual(['web']);
  });
});
