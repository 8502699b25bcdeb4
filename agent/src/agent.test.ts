import { API_VERSION, canonicalBytes, encodeBundle, seededRng, storeLayout, type Clock, type KubeObject } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';

const clock: Clock = { now: () => 0, sleep: () => Promise.resolve() };
const settings = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 's' };

async function publish(store: MemoryObjectStore, color: string, generation: number): Promise<void> {
  const encoded = encodeBundle([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's', namespace: 'app' }, data: { color } },
  ] as KubeObject[]);
  await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
  const pointer = { apiVersion: API_VERSION, kind: 'Pointer', cluster: 'c1', bundle: encoded.digest, revision: '4'.repeat(40), generation, publishedAt: '2026-11-22T00:00:00.000Z' };
  await store.put(storeLayout.pointer('c1'), canonicalBytes(pointer));
}

describe('agent loop', () => {
  it('keeps running when the status cannot be written', async () => {
    const store = new MemoryObjectStore({ fault: (op, key) => (op === 'put' && key.endsWith('status.json') ? 'unavailable' : undefined) });
    await publish(store, 'blue', 1);
    const kube = new MemoryKubeTarget();
    const agent = createAgent({ clock, rng: seededRng(1), store, kube, config: { cluster: 'c1', intervalMs: 1_000, jitter: 0 } });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', statusWritten: false });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
  });

  it('reports an oversized pointer as Failed, and keeps the last good bundle in shape', async () => {
    const store = new MemoryObjectStore();
    await publish(store, 'blue', 1);
    const kube = new MemoryKubeTarget();
    const agent = createAgent({ clock, rng: seededRng(1), store, kube, config: { cluster: 'c1', intervalMs: 1_000, jitter: 0 } });
    expect((await agent.runOnce()).phase).toBe('Applied');
    await store.put(storeLayout.pointer('c1'), new Uint8Array(128 * 1024));
    // Someone edits the object by hand meanwhile.
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's', namespace: 'app' }, data: { color: 'red' } }, 'kubectl');
    const writes = kube.counters.writes;
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Failed', error: expect.stringContaining('larger than the limit') as unknown });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
    expect(kube.counters.writes).toBeGreaterThan(writes);
    const status = await store.get(storeLayout.status('c1'));
    expect(status.kind === 'found' && JSON.parse(new TextDecoder().decode(status.body)).phase).toBe('Failed');
  });
});
