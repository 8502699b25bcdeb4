import { parseJsonDocument, seededRng, statusSchema, storeLayout, type ObjectStore } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent, type AgentConfig } from './agent.js';
import { FLOOR_CONFIGMAP } from './replay-floor.js';
import { colorBundle, publishBundle } from './testing/publish.js';
import { realComponents } from './testing/real-components.js';

// Items 5 and 9 of issue 11 against MinIO and the real kube-apiserver: the
// replay floor survives the deletion of the ApplySet parent, and a missing
// blob does not stick.
const { kc, keys, s3Store } = realComponents();
const START = Date.UTC(2026, 10, 22);

function s3(): ObjectStore {
  const store = s3Store('trust');
  return store;
}

/** A fresh agent process (a restart) for cluster c1 whose inventory lives in `system`. */
function agentFor(store: ObjectStore, system: string, over: Partial<AgentConfig> = {}) {
  const kube = createKubeTarget(kc);
  const parent = { name: 'driftless-applyset', namespace: system };
  const config: AgentConfig = { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent, verifyKeys: [keys.publicKey], ...over };
  return { kube, agent: createAgent({ clock: new VirtualClock(START), rng: seededRng(1), store, kube, config }) };
}

const configMap = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

/** Publishes generations 1 (blue) and 2 (green), applied by one agent; returns the bytes of the gen-1 pointer. */
async function twoGenerations(store: ObjectStore, ns: string, system: string): Promise<Uint8Array> {
  await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1, { signWith: keys.privateKey });
  const old = await store.get(storeLayout.pointer('c1'));
  const { agent } = agentFor(store, system);
  expect((await agent.runOnce()).phase).toBe('Applied');
  await publishBundle(store, 'c1', colorBundle(ns, 'green'), 2, { signWith: keys.privateKey });
  expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 2 });
  if (old.kind !== 'found') throw new Error('no gen-1 pointer');
  return old.body;
}

describe('replay floor against MinIO and the real kube-apiserver', () => {
  it('refuses a replayed gen-1 pointer after the driftless-applyset ConfigMap is deleted, from the status it wrote', async () => {
    const store = s3();
    const [ns, system] = [uniqueName('app'), uniqueName('driftless')];
    const oldPointer = await twoGenerations(store, ns, system);
    const { kube, agent } = agentFor(store, system);
    expect(await kube.delete(configMap(system, 'driftless-applyset'))).toBe(true);
    await store.put(storeLayout.pointer('c1'), oldPointer);
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/generation 1 is older than the accepted generation 2/) as unknown });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'green' });
  });

  it('refuses it from the replay-floor ConfigMap when the status is gone too', async () => {
    const store = s3();
    const [ns, system] = [uniqueName('app'), uniqueName('driftless')];
    const oldPointer = await twoGenerations(store, ns, system);
    const { kube, agent } = agentFor(store, system);
    expect((await kube.get(configMap(system, FLOOR_CONFIGMAP)))?.['data']).toMatchObject({ accepted: expect.stringMatching(/^2\/sha256:/) as unknown });
    await kube.delete(configMap(system, 'driftless-applyset'));
    await store.delete(storeLayout.status('c1'));
    await store.put(storeLayout.pointer('c1'), oldPointer);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/generation 1 is older than the accepted generation 2/) as unknown });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'green' });
  });

  it('with every record gone from a cluster it managed, refuses to act and says how to go on; --replay-floor then holds', async () => {
    const store = s3();
    const [ns, system] = [uniqueName('app'), uniqueName('driftless')];
    const oldPointer = await twoGenerations(store, ns, system);
    const { kube, agent } = agentFor(store, system);
    await kube.delete(configMap(system, 'driftless-applyset'));
    await kube.delete(configMap(system, FLOOR_CONFIGMAP));
    await store.delete(storeLayout.status('c1'));
    await store.put(storeLayout.pointer('c1'), oldPointer);
    const writes = kube.counters.writes;
    const refused = await agent.runOnce();
    expect(refused).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/no record of the last accepted generation survives .* carries this agent's ApplySet label: generation 1 may be an older pointer replayed; .* --replay-floor/) as unknown });
    expect(kube.counters.writes).toBe(writes);
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'green' });
    const got = await store.get(storeLayout.status('c1'));
    expect(got.kind === 'found' && parseJsonDocument(statusSchema, got.body, 'status')).toMatchObject({ phase: 'Failed', lastError: refused.error });

    // The operator restarts it with the generation `driftless status` showed.
    const told = agentFor(store, system, { replayFloor: 2 });
    expect(await told.agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/generation 1 is older than the accepted generation 2/) as unknown });
    await publishBundle(store, 'c1', colorBundle(ns, 'yellow'), 3, { signWith: keys.privateKey });
    expect(await told.agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 3 });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'yellow' });
  });

  it('accepts the first pointer on a cluster it never managed', async () => {
    const store = s3();
    const [ns, system] = [uniqueName('app'), uniqueName('driftless')];
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 5, { signWith: keys.privateKey });
    const { kube, agent } = agentFor(store, system);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 5 });
    expect((await kube.get(configMap(system, FLOOR_CONFIGMAP)))?.['data']).toMatchObject({ cluster: 'c1', accepted: expect.stringMatching(/^5\/sha256:/) as unknown });
  });
});

describe('an expired pointer against MinIO and the real kube-apiserver', () => {
  it('leaves the cluster as it is (no drift correction) and reports Stale until the hub re-signs it', async () => {
    const store = s3();
    const [ns, system] = [uniqueName('app'), uniqueName('driftless')];
    const expiresAt = '2026-11-23T00:00:00.000Z';
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1, { signWith: keys.privateKey, expiresAt });
    const kube = createKubeTarget(kc);
    const clock = new VirtualClock(START);
    const config: AgentConfig = { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: system }, verifyKeys: [keys.publicKey] };
    const agent = createAgent({ clock, rng: seededRng(1), store, kube, config });
    expect((await agent.runOnce()).phase).toBe('Applied');
    await clock.advance(Date.parse(expiresAt));
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { color: 'red' } }, 'kubectl');
    const writes = kube.counters.writes;
    expect(await agent.runOnce()).toMatchObject({ phase: 'Stale', error: expect.stringMatching(/expired at 2026-11-23T00:00:00.000Z .*driftless hub resign/) as unknown });
    expect(kube.counters.writes).toBe(writes);
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'red' });
    const got = await store.get(storeLayout.status('c1'));
    expect(got.kind === 'found' && parseJsonDocument(statusSchema, got.body, 'status')).toMatchObject({ phase: 'Stale', stale: { generation: 1, expiresAt } });
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1, { signWith: keys.privateKey, expiresAt: '2026-11-24T00:00:00.000Z' });
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 1 });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'blue' });
  });
});

describe('a missing blob against MinIO', () => {
  it('fails the pass while the blob is missing, and applies it on the next pass once it appears, without a restart', async () => {
    const store = s3();
    const [ns, system] = [uniqueName('app'), uniqueName('driftless')];
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1, { signWith: keys.privateKey });
    const { kube, agent } = agentFor(store, system);
    expect((await agent.runOnce()).phase).toBe('Applied');
    const green = await publishBundle(store, 'c1', colorBundle(ns, 'green'), 2, { signWith: keys.privateKey });
    await store.delete(storeLayout.blob(green.digest));
    const missing = await agent.runOnce();
    expect(missing).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/no blob at blobs\/sha256\//) as unknown });
    const got = await store.get(storeLayout.status('c1'));
    expect(got.kind === 'found' && parseJsonDocument(statusSchema, got.body, 'status')).toMatchObject({ phase: 'Failed', lastError: missing.error });
    await store.putIfAbsent(storeLayout.blob(green.digest), green.compressed);
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Applied', generation: 2 });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'green' });
  });
});
