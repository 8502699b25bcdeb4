import { generateKeyPairSync } from 'node:crypto';
import { parseJsonDocument, seededRng, statusSchema, storeLayout, type ObjectStore } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { colorBundle, publishBundle } from './testing/publish.js';

const START = Date.UTC(2026, 10, 22);
const settings = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'settings' };
const keys = generateKeyPairSync('ed25519');

/** An agent process for cluster c1 that requires pointers signed with `keys`. */
function agentOn(store: ObjectStore, kube: MemoryKubeTarget, clock: VirtualClock) {
  return createAgent({ clock, rng: seededRng(1), store, kube, config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [keys.publicKey] } });
}

async function statusIn(store: ObjectStore) {
  const got = await store.get(storeLayout.status('c1'));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

describe('agent verification', () => {
  it('refuses a replayed older pointer after a restart, remembering the accepted generation in the cluster', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryObjectStore();
    const kube = new MemoryKubeTarget({ clock });
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey });
    const oldPointer = await store.get(storeLayout.pointer('c1'));
    const first = agentOn(store, kube, clock);
    expect((await first.runOnce()).phase).toBe('Applied');
    await publishBundle(store, 'c1', colorBundle('app', 'green'), 2, { signWith: keys.privateKey });
    expect((await first.runOnce()).phase).toBe('Applied');
    // A new agent process (restart), and someone puts the old, validly signed pointer back.
    const restarted = agentOn(store, kube, clock);
    await store.put(storeLayout.pointer('c1'), oldPointer.kind === 'found' ? oldPointer.body : new Uint8Array());
    const writes = kube.counters.writes;
    const result = await restarted.runOnce();
    expect(result).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/generation 1 is older than the accepted generation 2/) as unknown });
    expect(kube.counters.writes).toBe(writes);
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'green' });
    expect(await statusIn(store)).toMatchObject({ phase: 'Failed', lastError: result.error });
  });

  it.each([
    ['a tampered blob', 'tampered', /^bundle sha256:[0-9a-f]{64} read failed: /],
    ['a pointer with a bad signature', 'bad-signature', /verify failed: the signature does not match/],
    ['an invalid pointer', 'invalid', /^pointer clusters\/c1\/desired\.json read failed: /],
    ['a pointer whose blob is missing', 'missing-blob', /^bundle sha256:[0-9a-f]{64} read failed: no blob at blobs\/sha256\//],
  ])('leaves the cluster exactly as it was on %s, and says Failed with the reason', async (_what, how, reason) => {
    const clock = new VirtualClock(START);
    const store = new MemoryObjectStore();
    const kube = new MemoryKubeTarget({ clock });
    const good = await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1, { signWith: keys.privateKey });
    const agent = agentOn(store, kube, clock);
    expect((await agent.runOnce()).phase).toBe('Applied');

    if (how === 'tampered') {
      const encoded = await publishBundle(store, 'c1', colorBundle('app', 'red'), 2, { signWith: keys.privateKey });
      const bytes = Uint8Array.from(encoded.compressed);
      bytes[20] = (bytes[20] ?? 0) ^ 0xff;
      await store.put(storeLayout.blob(encoded.digest), bytes);
    } else if (how === 'bad-signature') {
      await publishBundle(store, 'c1', colorBundle('app', 'red'), 2, { signWith: generateKeyPairSync('ed25519').privateKey });
    } else if (how === 'missing-blob') {
      const encoded = await publishBundle(store, 'c1', colorBundle('app', 'red'), 2, { signWith: keys.privateKey });
      await store.delete(storeLayout.blob(encoded.digest));
    } else {
      await store.put(storeLayout.pointer('c1'), new TextEncoder().encode('{"apiVersion":"driftless.dev/v1alpha1","kind":"Pointer","generation":"two"}'));
    }
    const writes = kube.counters.writes;
    const result = await agent.runOnce();
    expect(result).toMatchObject({ poll: 'changed', phase: 'Failed', generation: 1, error: expect.stringMatching(reason) as unknown });
    expect(kube.counters.writes).toBe(writes);
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
    expect(await statusIn(store)).toMatchObject({ phase: 'Failed', observedGeneration: 1, appliedBundle: good.digest, lastError: result.error });
    // It stays Failed, without reading the refused pointer again, until a good one comes.
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Failed', error: result.error });
    await publishBundle(store, 'c1', colorBundle('app', 'green'), 3, { signWith: keys.privateKey });
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 3 });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'green' });
  });
});
