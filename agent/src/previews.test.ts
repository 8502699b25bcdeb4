import { APP_ANNOTATION, parseJsonDocument, seededRng, statusSchema, storeLayout, type KubeObject } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, previewBundle, publishBundle } from './testing/publish.js';

const START = Date.UTC(2026, 10, 22);
const cm = (namespace: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'settings' });
const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name });

/** The release bundle of the host: colorBundle('app'), its objects annotated as the app `web`. */
const release = (color: string): KubeObject[] =>
  colorBundle('app', color).map((o) => ({ ...o, metadata: { ...o.metadata, annotations: { [APP_ANNOTATION]: 'web' } } }));

function setup() {
  const clock = new VirtualClock(START);
  const store = new MemoryObjectStore();
  // Controllers that catch up at once: a deleted Namespace goes (the test kube-apiserver leaves it Terminating: see the integration test).
  const kube = new MemoryKubeTarget({ clock, controllers: 'instant' });
  const agent = createAgent({ clock, rng: seededRng(1), store, kube, log: () => {}, config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true } });
  const status = async () => {
    const got = await store.get(storeLayout.status('c1'));
    return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
  };
  return { store, kube, agent, status };
}

describe('agent with a previews bundle', () => {
  it('applies the release and the previews bundle as one desired state, and reports appliedPreviews and per-app status', async () => {
    const { store, kube, agent, status } = setup();
    const published = await publishBundle(store, 'c1', release('blue'), 1, { previews: previewBundle('pr-1', 'green') });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { applied: 4 } });
    expect((await kube.get(cm('app')))?.['data']).toEqual({ color: 'blue' });
    expect((await kube.get(cm('pr-1')))?.['data']).toEqual({ color: 'green' });
    expect(await status()).toMatchObject({
      phase: 'Applied',
      appliedBundle: published.digest,
      appliedPreviews: published.previews?.digest,
      objects: { total: 4, ready: 4 },
      apps: { web: { phase: 'Applied', ready: 2, total: 2 }, 'pr-1/web': { phase: 'Applied', ready: 2, total: 2 } },
    });
  });

  it('prunes a preview and its Namespace once the pointer names no previews bundle, leaving the release untouched', async () => {
    const { store, kube, agent, status } = setup();
    await publishBundle(store, 'c1', release('blue'), 1, { previews: [...previewBundle('pr-1', 'green'), ...previewBundle('pr-2', 'red')] });
    await agent.runOnce();
    await publishBundle(store, 'c1', release('blue'), 2, { previews: previewBundle('pr-2', 'red') });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { pruned: 2, applied: 0 } });
    expect(await kube.get(ns('pr-1'))).toBeUndefined();
    expect((await kube.get(cm('pr-2')))?.['data']).toEqual({ color: 'red' });
    await publishBundle(store, 'c1', release('blue'), 3);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { pruned: 2, applied: 0, unchanged: 2 } });
    expect(await kube.get(cm('pr-2'))).toBeUndefined();
    expect(await kube.get(ns('pr-2'))).toBeUndefined();
    expect((await kube.get(cm('app')))?.['data']).toEqual({ color: 'blue' });
    const after = await status();
    expect(after).toMatchObject({ phase: 'Applied', observedGeneration: 3, objects: { total: 2 }, apps: { web: { phase: 'Applied', ready: 2, total: 2 } } });
    expect(after?.appliedPreviews).toBeUndefined();
    expect(Object.keys(after?.apps ?? {})).toEqual(['web']);
  });

  it('reads only the previews blob on a previews-only move (same release bundle, new generation)', async () => {
    const { store, kube, agent, status } = setup();
    const first = await publishBundle(store, 'c1', release('blue'), 1, { previews: previewBundle('pr-1', 'green') });
    await agent.runOnce();
    const reads = store.counters.get200;
    const moved = await publishBundle(store, 'c1', release('blue'), 2, { previews: previewBundle('pr-1', 'yellow') });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 2, outcome: { applied: 1, unchanged: 3 } });
    expect(store.counters.get200 - reads).toBe(2); // the pointer and the new previews blob
    expect((await kube.get(cm('pr-1')))?.['data']).toEqual({ color: 'yellow' });
    expect(await status()).toMatchObject({ observedGeneration: 2, appliedBundle: first.digest, appliedPreviews: moved.previews?.digest });
  });

  it('refuses the previews-bundle objects that are also in the release, naming them; the release and the other preview apply', async () => {
    const { store, kube, agent } = setup();
    await publishBundle(store, 'c1', release('blue'), 1, { previews: [...previewBundle('pr-1', 'green'), ...colorBundle('app', 'red')] });
    const result = await agent.runOnce();
    expect(result.phase).toBe('Applied');
    expect(result.outcome?.failed).toContainEqual({ object: 'ConfigMap/app/settings', message: expect.stringContaining('ConfigMap/app/settings is in both') });
    expect((await kube.get(cm('app')))?.['data']).toEqual({ color: 'blue' });
    expect((await kube.get(cm('pr-1')))?.['data']).toEqual({ color: 'green' });
  });

  it('applies nothing while the previews blob is missing or damaged, and applies both once it is right', async () => {
    const { store, kube, agent, status } = setup();
    const published = await publishBundle(store, 'c1', release('blue'), 1, { previews: previewBundle('pr-1', 'green') });
    const key = storeLayout.blob(published.previews?.digest ?? 'sha256:none');
    await store.delete(key);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/^previews bundle sha256:\w+ read failed: no blob at blobs\/sha256\//) });
    const damaged = Uint8Array.from(published.previews?.compressed ?? []);
    damaged[20] = (damaged[20] ?? 0) ^ 0xff;
    await store.put(key, damaged);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/^previews bundle sha256:\w+ read failed: .*damaged; retrying with backoff/) });
    expect(kube.counters.writes).toBe(0);
    expect(await status()).toMatchObject({ phase: 'Failed' });
    await store.put(key, published.previews?.compressed ?? new Uint8Array());
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { applied: 4 } });
  });
});
