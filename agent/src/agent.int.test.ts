import { generateKeyPairSync } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import {
  API_VERSION,
  canonicalBytes,
  encodeBundle,
  parseJsonDocument,
  seededRng,
  signPointer,
  statusSchema,
  storeLayout,
  type Clock,
  type KubeObject,
  type ObjectStore,
  type UnsignedPointer,
} from '@driftless/core';
import { createKubeTarget, leaseLock } from '@driftless/kube';
import { s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from './system-clock.js';
import { createAgent, type AgentConfig, type PassResult } from './agent.js';
import { createLeaderElector } from './leader.js';

const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);
const clock: Clock = systemClock;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const stores: { destroy(): void }[] = [];
afterAll(() => stores.forEach((s) => s.destroy()));

function s3(): ObjectStore {
  const store = s3StoreFor(env, unique('agent'));
  stores.push(store);
  return store;
}

const objectsFor = (ns: string, color: string): KubeObject[] =>
  [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { color } },
  ] as KubeObject[];

/** Publishes a bundle and a pointer as the hub would; returns the pointer's bundle digest. */
async function publish(store: ObjectStore, cluster: string, objects: KubeObject[], generation: number, sign?: Parameters<typeof signPointer>[1]) {
  const encoded = encodeBundle(objects);
  await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
  const unsigned: UnsignedPointer = {
    apiVersion: API_VERSION,
    kind: 'Pointer',
    cluster,
    bundle: encoded.digest,
    revision: '0'.repeat(40),
    generation,
    publishedAt: new Date().toISOString(),
  };
  await store.put(storeLayout.pointer(cluster), canonicalBytes(sign ? signPointer(unsigned, sign) : unsigned));
  return encoded;
}

function agentFor(store: ObjectStore, cluster: string, over: Partial<AgentConfig> = {}) {
  const kube = createKubeTarget(kc);
  const agent = createAgent({
    clock,
    rng: seededRng(1),
    store,
    kube,
    config: { cluster, intervalMs: 1_000, jitter: 0.5, parent: { name: 'driftless-applyset', namespace: unique('driftless') }, heartbeatMs: 60_000, ...over },
  });
  return { agent, kube };
}

async function statusOf(store: ObjectStore, cluster: string) {
  const got = await store.get(storeLayout.status(cluster));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

describe('agent against MinIO and the real kube-apiserver', () => {
  it('applies a new pointer, reports Applied, and then polls with a 304 and writes nothing', async () => {
    const store = s3();
    const ns = unique('app');
    await publish(store, 'c1', objectsFor(ns, 'blue'), 1);
    const { agent, kube } = agentFor(store, 'c1');
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 1, statusWritten: true });
    expect(await statusOf(store, 'c1')).toMatchObject({ phase: 'Applied', observedGeneration: 1, objects: { total: 2 } });
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }))?.['data']).toEqual({ color: 'blue' });
    const writes = kube.counters.writes;
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Applied', statusWritten: false });
    expect(kube.counters.writes).toBe(writes);
  });

  it('reports Progressing while a Deployment rolls out, and Degraded once past the progress deadline', async () => {
    const store = s3();
    const ns = unique('app');
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: ns },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'registry.example.invalid/api:1' }] } } },
    } as unknown as KubeObject;
    await publish(store, 'c1', [...objectsFor(ns, 'blue'), deployment], 1);
    let now = Date.now();
    const kube = createKubeTarget(kc);
    const agent = createAgent({
      clock: { now: () => now, sleep: (ms, signal) => clock.sleep(ms, signal) },
      rng: seededRng(1),
      store,
      kube,
      config: { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: unique('driftless') }, progressDeadlineMs: 60_000 },
    });
    expect((await agent.runOnce()).phase).toBe('Progressing');
    now += 61_000;
    expect((await agent.runOnce()).phase).toBe('Degraded');
    expect((await statusOf(store, 'c1'))?.lastError).toBe(`Deployment/${ns}/api: the controller has not observed the latest generation`);
  });

  it('lets only the leader of two agents for one cluster write, and a new leader take over once the lease lapses', async () => {
    const store = s3();
    const ns = unique('app');
    await publish(store, 'c1', objectsFor(ns, 'blue'), 1);
    const parent = { name: 'driftless-applyset', namespace: unique('driftless') };
    let now = Date.now();
    const fakeClock: Clock = { now: () => now, sleep: (ms, signal) => clock.sleep(ms, signal) };
    const pod = (name: string) => {
      const kube = createKubeTarget(kc);
      const leader = createLeaderElector({ lock: leaseLock(kc, 'default', `driftless-${parent.namespace}`), clock: fakeClock, identity: name, leaseMs: 15_000 });
      const agent = createAgent({ clock: fakeClock, rng: seededRng(1), store, kube, leader, config: { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent } });
      return { kube, agent };
    };
    const a = pod('agent-a');
    const b = pod('agent-b');
    expect((await a.agent.step()) as PassResult).toMatchObject({ phase: 'Applied' });
    expect(await b.agent.step()).toBe('standby');
    expect(b.kube.counters.writes).toBe(0);
    now += 16_000; // agent-a stopped renewing for longer than the lease
    expect((await b.agent.step()) as PassResult).toMatchObject({ phase: 'Applied' });
    expect(await a.agent.step()).toBe('standby');
  });

  it('refuses a replayed older pointer after a restart, remembering the accepted generation in the cluster', async () => {
    const store = s3();
    const ns = unique('app');
    const keys = generateKeyPairSync('ed25519');
    const parent = { name: 'driftless-applyset', namespace: unique('driftless') };
    await publish(store, 'c1', objectsFor(ns, 'blue'), 1, keys.privateKey);
    const oldPointer = await store.get(storeLayout.pointer('c1'));
    const first = agentFor(store, 'c1', { verifyKey: keys.publicKey, parent });
    expect((await first.agent.runOnce()).phase).toBe('Applied');
    await publish(store, 'c1', objectsFor(ns, 'green'), 2, keys.privateKey);
    expect((await first.agent.runOnce()).phase).toBe('Applied');
    // A new agent process (restart), and someone puts the old, validly signed pointer back.
    const restarted = agentFor(store, 'c1', { verifyKey: keys.publicKey, parent });
    await store.put(storeLayout.pointer('c1'), oldPointer.kind === 'found' ? oldPointer.body : new Uint8Array());
    const result = await restarted.agent.runOnce();
    expect(result.phase).toBe('Failed');
    expect(result.error).toMatch(/generation 1 is older than the accepted generation 2/);
    expect((await restarted.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }))?.['data']).toEqual({ color: 'green' });
  });

  it.each([
    ['a tampered blob', 'tampered'],
    ['a pointer with a bad signature', 'bad-signature'],
    ['an invalid pointer', 'invalid'],
  ])('leaves the cluster exactly as it was on %s, and says Failed with the reason', async (_what, how) => {
    const store = s3();
    const ns = unique('app');
    const keys = generateKeyPairSync('ed25519');
    await publish(store, 'c1', objectsFor(ns, 'blue'), 1, keys.privateKey);
    const { agent, kube } = agentFor(store, 'c1', { verifyKey: keys.publicKey });
    expect((await agent.runOnce()).phase).toBe('Applied');

    if (how === 'tampered') {
      const encoded = await publish(store, 'c1', objectsFor(ns, 'red'), 2, keys.privateKey);
      const bytes = Uint8Array.from(encoded.compressed);
      bytes[20] = (bytes[20] ?? 0) ^ 0xff;
      await store.put(storeLayout.blob(encoded.digest), bytes);
    } else if (how === 'bad-signature') {
      await publish(store, 'c1', objectsFor(ns, 'red'), 2, generateKeyPairSync('ed25519').privateKey);
    } else {
      await store.put(storeLayout.pointer('c1'), new TextEncoder().encode('{"apiVersion":"driftless.dev/v1alpha1","kind":"Pointer","generation":"two"}'));
    }
    const writes = kube.counters.writes;
    const result = await agent.runOnce();
    expect(result.phase).toBe('Failed');
    expect(kube.counters.writes).toBe(writes);
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }))?.['data']).toEqual({ color: 'blue' });
    const status = await statusOf(store, 'c1');
    expect(status?.phase).toBe('Failed');
    expect(status?.lastError).toMatch(how === 'tampered' ? /read failed/ : how === 'bad-signature' ? /verify failed/ : /read failed: /);
  });
});
