import { APP_ANNOTATION, PREVIEW_LABEL, parseJsonDocument, seededRng, statusSchema, storeLayout, type KubeObject, type ObjectStore } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, previewBundle, publishBundle } from './testing/publish.js';
import { realComponents } from './testing/real-components.js';

// The containment scenarios run as unit tests (preview-containment.test.ts); this checks once that an
// object the real kube-apiserver refuses in a preview leaves the cluster Applied and the release reconciled.
const { kc, keys, s3Store } = realComponents();

async function statusOf(store: ObjectStore) {
  const got = await store.get(storeLayout.status('c1'));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

/** A ConfigMap `name` in `ns` annotated as `app`, labelled as the preview `preview` when given. */
function cm(ns: string, name: string, app: string, data: Record<string, string>, preview?: string): KubeObject {
  const labels = preview ? { labels: { [PREVIEW_LABEL]: preview } } : {};
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...labels, annotations: { [APP_ANNOTATION]: app } }, data };
}

describe('a preview object the real kube-apiserver refuses', () => {
  it('fails its app only: the cluster stays Applied and the release is applied and pruned', async () => {
    const store = s3Store('preview-containment');
    const [app, pr] = [uniqueName('app'), uniqueName('pr')];
    const release = colorBundle(app, 'blue').map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { [APP_ANNOTATION]: 'web' } } }));
    const kube = createKubeTarget(kc);
    const agent = createAgent({
      clock: new VirtualClock(Date.UTC(2026, 10, 22)),
      rng: seededRng(1),
      store,
      kube,
      config: { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') }, verifyKeys: [keys.publicKey] },
    });
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
