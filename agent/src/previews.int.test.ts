import { APP_ANNOTATION, PREVIEW_LABEL, parseJsonDocument, seededRng, statusSchema, storeLayout, type KubeObject, type ObjectStore } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, previewBundle, publishBundle } from './testing/publish.js';
import { realComponents } from './testing/real-components.js';

// The previews scenarios run as unit tests on the in-memory store and API (previews.test.ts,
// preview-containment.test.ts); this checks each path once against MinIO and the real kube-apiserver,
// with a signed pointer naming both bundles.
const { kc, keys, s3Store } = realComponents();

async function statusOf(store: ObjectStore) {
  const got = await store.get(storeLayout.status('c1'));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

/** Gone, or being deleted: the test kube-apiserver runs no namespace controller, so a deleted Namespace stays Terminating. */
const deleted = (o: KubeObject | undefined) => o === undefined || o.metadata['deletionTimestamp'] !== undefined;

/** A fresh store, a release (app `web` in a fresh namespace), a fresh preview namespace, and an agent on the real kube-apiserver verifying the hub key. */
function setup(label: string) {
  const store = s3Store(label);
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
  return { store, app, preview, release, kube, agent };
}

/** A ConfigMap `name` in `ns` annotated as `app`, labelled as the preview `preview` when given. */
function cm(ns: string, name: string, app: string, data: Record<string, string>, preview?: string): KubeObject {
  const labels = preview ? { labels: { [PREVIEW_LABEL]: preview } } : {};
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...labels, annotations: { [APP_ANNOTATION]: app } }, data };
}

describe('agent with a previews bundle, against MinIO and the real kube-apiserver', () => {
  it("applies both bundles of a signed pointer, reports appliedPreviews and apps, and prunes the preview and its Namespace once the pointer names none", async () => {
    const { store, app, preview, release, kube, agent } = setup('previews');
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

  it('fails only the app of a preview object the API server refuses: the cluster stays Applied and the release is applied and pruned', async () => {
    const { store, app, preview: pr, release, kube, agent } = setup('preview-containment');
    await publishBundle(store, 'c1', [...release, cm(app, 'old', 'web', { k: 'v' })], 1, { signWith: keys.privateKey, previews: previewBundle(pr, 'green') });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { applied: 5 } });

    // A data key with a space: the API server refuses the ConfigMap as invalid (422).
    const refused = cm(pr, 'broken', `${pr}/web`, { 'not a key': 'v' }, pr);
    const published = await publishBundle(store, 'c1', [...release, cm(app, 'new', 'web', { k: 'v' })], 2, {
      signWith: keys.privateKey,
      previews: [...previewBundle(pr, 'green'), refused],
    });
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Applied', generation: 2, outcome: { applied: 1, pruned: 1, failed: [{ object: `ConfigMap/${pr}/broken` }] } });
    expect(result.error).toBeUndefined();
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'new' })).toBeDefined();
    expect(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'old' })).toBeUndefined();
    const after = await statusOf(store);
    expect(after).toMatchObject({
      phase: 'Applied',
      appliedBundle: published.digest,
      appliedPreviews: published.previews?.digest,
      objects: { total: 6 },
      apps: { web: { phase: 'Applied', ready: 3, total: 3 }, [`${pr}/web`]: { phase: 'Failed', ready: 2, total: 3 } },
    });
    expect(after?.lastError).toBeUndefined();
  });
});
