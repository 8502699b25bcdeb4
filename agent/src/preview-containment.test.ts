import { APP_ANNOTATION, DriftlessError, PREVIEW_LABEL, parseJsonDocument, seededRng, statusSchema, storeLayout, type KubeObject, type KubeObjectRef } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, previewBundle, publishBundle } from './testing/publish.js';

const START = Date.UTC(2026, 10, 22);
const ref = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
/** A label value the API server refuses (422): the apply of an object carrying it fails that object only. */
const REFUSED = { tier: 'not a valid label value!' };

/** A ConfigMap `name` in `ns` of the app `app`; labelled as a preview's when `ns` is one; refused when `bad`. */
function cm(ns: string, name: string, app: string, opts: { preview?: boolean; bad?: boolean } = {}): KubeObject {
  const labels = { ...(opts.preview ? { [PREVIEW_LABEL]: ns } : {}), ...(opts.bad ? REFUSED : {}) };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels, annotations: { [APP_ANNOTATION]: app } }, data: { name } };
}

const release = (...more: KubeObject[]): KubeObject[] => [
  ...colorBundle('app', 'blue').map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { [APP_ANNOTATION]: 'web' } } })),
  ...more,
];
const preview = (ns: string, ...more: KubeObject[]): KubeObject[] => [...previewBundle(ns, 'green'), ...more];

/** `refuse`: a delete the API server refuses (403, as from an admission policy). */
function setup(controllers: 'none' | 'instant' = 'instant', refuse?: (r: KubeObjectRef) => boolean) {
  const clock = new VirtualClock(START);
  const store = new MemoryObjectStore();
  const memory = new MemoryKubeTarget({ clock, controllers });
  const forbidden = (r: KubeObjectRef) => new DriftlessError('KubeRefused', `ConfigMap/${r.namespace}/${r.name} delete failed: forbidden`, { object: r.name, operation: 'delete', status: 403, reason: 'forbidden' });
  const kube = refuse ? Object.assign(Object.create(memory) as MemoryKubeTarget, { delete: (r: KubeObjectRef) => (refuse(r) ? Promise.reject(forbidden(r)) : memory.delete(r)) }) : memory;
  const logged: Record<string, unknown>[] = [];
  const agent = createAgent({ clock, rng: seededRng(1), store, kube, log: (e) => logged.push(e), config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true } });
  const status = async () => {
    const got = await store.get(storeLayout.status('c1'));
    return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
  };
  return { clock, store, kube, agent, status, logged };
}

describe('a preview object the API server refuses', () => {
  it("fails its preview's app only: the cluster stays Applied, the release and the other previews are applied and pruned, its own preview's prunes wait", async () => {
    const { store, kube, agent, status, logged } = setup();
    await publishBundle(store, 'c1', release(cm('app', 'old', 'web')), 1, {
      previews: [...preview('pr-1', cm('pr-1', 'extra', 'pr-1/web', { preview: true })), ...preview('pr-2', cm('pr-2', 'extra', 'pr-2/web', { preview: true }))],
    });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { applied: 9 } });

    const published = await publishBundle(store, 'c1', release(cm('app', 'new', 'web')), 2, {
      previews: [...preview('pr-1', cm('pr-1', 'bad', 'pr-1/web', { preview: true, bad: true })), ...preview('pr-2')],
    });
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Applied', generation: 2, outcome: { applied: 1, pruned: 2, failed: [{ object: 'ConfigMap/pr-1/bad' }] } });
    expect(result.error).toBeUndefined();
    expect(await kube.get(ref('app', 'new'))).toBeDefined();
    expect(await kube.get(ref('app', 'old'))).toBeUndefined();
    expect(await kube.get(ref('pr-2', 'extra'))).toBeUndefined();
    // The refused object may have replaced `extra`: pruning it now could leave pr-1 half-applied.
    expect(await kube.get(ref('pr-1', 'extra'))).toBeDefined();
    const after = await status();
    expect(after).toMatchObject({
      phase: 'Applied',
      observedGeneration: 2,
      appliedBundle: published.digest,
      appliedPreviews: published.previews?.digest,
      objects: { total: 8 },
      apps: { web: { phase: 'Applied', ready: 3, total: 3 }, 'pr-1/web': { phase: 'Failed', ready: 2, total: 3 }, 'pr-2/web': { phase: 'Applied', ready: 2, total: 2 } },
    });
    expect(after?.lastError).toBeUndefined();
    // The status's apps say only that pr-1 failed: the log says why.
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'preview objects failed', failed: [expect.stringMatching(/^ConfigMap\/pr-1\/bad apply failed: /)] }));

    await publishBundle(store, 'c1', release(cm('app', 'new', 'web')), 3, { previews: [...preview('pr-1'), ...preview('pr-2')] });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { pruned: 1, failed: [] } });
    expect(await kube.get(ref('pr-1', 'extra'))).toBeUndefined();
    expect((await status())?.apps?.['pr-1/web']).toEqual({ phase: 'Applied', ready: 2, total: 2 });
  });

  it('a refused release object still fails the cluster, names it, and blocks every prune, the previews\' included', async () => {
    const { store, kube, agent, status } = setup();
    await publishBundle(store, 'c1', release(cm('app', 'old', 'web')), 1, { previews: preview('pr-1', cm('pr-1', 'extra', 'pr-1/web', { preview: true })) });
    await agent.runOnce();
    await publishBundle(store, 'c1', release(cm('app', 'bad', 'web', { bad: true })), 2, { previews: preview('pr-1') });
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Failed', outcome: { pruned: 0 }, error: expect.stringMatching(/^ConfigMap\/app\/bad apply failed: /) });
    expect(await kube.get(ref('app', 'old'))).toBeDefined();
    expect(await kube.get(ref('pr-1', 'extra'))).toBeDefined();
    expect(await status()).toMatchObject({ phase: 'Failed', lastError: expect.stringContaining('ConfigMap/app/bad'), apps: { web: { phase: 'Failed' }, 'pr-1/web': { phase: 'Applied' } } });
  });

  it('a preview object not ready, even past the progress deadline, leaves the cluster Applied: only its app says so', async () => {
    // No controllers: a Deployment never reports a rollout, as on the test kube-apiserver.
    const { clock, store, agent, status } = setup('none');
    const meta = { name: 'api', namespace: 'pr-1', labels: { [PREVIEW_LABEL]: 'pr-1' }, annotations: { [APP_ANNOTATION]: 'pr-1/web' } };
    const spec = { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api' }] } } };
    await publishBundle(store, 'c1', release(), 1, { previews: preview('pr-1', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec }) });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { applied: 5 } });
    expect(await status()).toMatchObject({ phase: 'Applied', apps: { web: { phase: 'Applied' }, 'pr-1/web': { phase: 'Progressing', ready: 2, total: 3 } } });
    await clock.advance(START + 600_001);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied' });
    const after = await status();
    expect(after).toMatchObject({ phase: 'Applied', apps: { web: { phase: 'Applied' }, 'pr-1/web': { phase: 'Degraded' } } });
    expect(after?.lastError).toBeUndefined();
  });

  it("a preview object whose delete is refused degrades its app only, and the release's prunes go on", async () => {
    const { store, kube, agent, status } = setup('instant', (r) => r.namespace === 'pr-1' && r.name === 'extra');
    await publishBundle(store, 'c1', release(cm('app', 'old', 'web')), 1, { previews: preview('pr-1', cm('pr-1', 'extra', 'pr-1/web', { preview: true })) });
    await agent.runOnce();
    await publishBundle(store, 'c1', release(), 2, { previews: preview('pr-1') });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { pruned: 1, degraded: [{ object: 'ConfigMap/pr-1/extra' }] } });
    expect(await kube.get(ref('app', 'old'))).toBeUndefined();
    const after = await status();
    expect(after).toMatchObject({ phase: 'Applied', apps: { web: { phase: 'Applied' }, 'pr-1/web': { phase: 'Degraded' } } });
    expect(after?.lastError).toBeUndefined();
  });
});
