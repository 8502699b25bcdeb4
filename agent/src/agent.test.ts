import { API_VERSION, canonicalBytes, encodeBundle, seededRng, storeLayout, type Clock, type KubeObject, type KubeTarget } from '@driftless/core';
import { MemoryObjectStore } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';

const clock: Clock = { now: () => 0, sleep: () => Promise.resolve() };

/** A cluster in memory, enough for the agent's loop (the real adapter is tested against kube-apiserver). */
function memoryKube(): KubeTarget & { objects: Map<string, KubeObject>; writes: number } {
  const objects = new Map<string, KubeObject>();
  const key = (o: { kind: string; namespace?: string; name: string }): string => `${o.kind}/${o.namespace ?? ''}/${o.name}`;
  const kube = {
    objects,
    writes: 0,
    resourceOf: () => Promise.resolve({ resource: 'x', namespaced: true }),
    get: (ref: { kind: string; namespace?: string; name: string }) => Promise.resolve(objects.get(key(ref))),
    list: (_v: string, kind: string) => Promise.resolve([...objects.values()].filter((o) => o.kind === kind)),
    delete: (ref: { kind: string; namespace?: string; name: string }) => Promise.resolve(objects.delete(key(ref))),
    apply(obj: KubeObject) {
      kube.writes += 1;
      objects.set(key({ kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) }), obj);
      return Promise.resolve(obj);
    },
  };
  return kube;
}

async function publish(store: MemoryObjectStore, color: string, generation: number): Promise<void> {
  const encoded = encodeBundle([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's', namespace: 'app' }, data: { color } }] as KubeObject[]);
  await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
  const pointer = { apiVersion: API_VERSION, kind: 'Pointer', cluster: 'c1', bundle: encoded.digest, revision: '4'.repeat(40), generation, publishedAt: '2026-11-22T00:00:00.000Z' };
  await store.put(storeLayout.pointer('c1'), canonicalBytes(pointer));
}

describe('agent loop', () => {
  it('keeps running when the status cannot be written', async () => {
    const store = new MemoryObjectStore({ fault: (op, key) => (op === 'put' && key.endsWith('status.json') ? 'unavailable' : undefined) });
    await publish(store, 'blue', 1);
    const agent = createAgent({ clock, rng: seededRng(1), store, kube: memoryKube(), config: { cluster: 'c1', intervalMs: 1_000, jitter: 0 } });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', statusWritten: false });
  });

  it('reports an oversized pointer as Failed, and keeps the last good bundle in shape', async () => {
    const store = new MemoryObjectStore();
    await publish(store, 'blue', 1);
    const kube = memoryKube();
    const agent = createAgent({ clock, rng: seededRng(1), store, kube, config: { cluster: 'c1', intervalMs: 1_000, jitter: 0 } });
    expect((await agent.runOnce()).phase).toBe('Applied');
    await store.put(storeLayout.pointer('c1'), new Uint8Array(128 * 1024));
    // Someone edits the object by hand meanwhile.
    const drifted = { ...(kube.objects.get('ConfigMap/app/s') as KubeObject), data: { color: 'red' } } as KubeObject;
    kube.objects.set('ConfigMap/app/s', drifted);
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Failed', error: expect.stringContaining('larger than the limit') as unknown });
    expect(kube.objects.get('ConfigMap/app/s')?.['data']).toEqual({ color: 'blue' });
    const status = await store.get(storeLayout.status('c1'));
    expect(status.kind === 'found' && JSON.parse(new TextDecoder().decode(status.body)).phase).toBe('Failed');
  });
});
