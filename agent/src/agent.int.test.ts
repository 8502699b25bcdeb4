import { generateKeyPairSync } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { parseJsonDocument, seededRng, statusSchema, storeLayout, type ObjectStore } from '@driftless/core';
import { createKubeTarget, leaseLock } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAgent, type AgentConfig, type PassResult } from './agent.js';
import { createLeaderElector } from './leader.js';
import { colorBundle, publishBundle } from './testing/publish.js';

// The agent's scenarios run as unit tests on the in-memory store and API
// (agent.test.ts, agent-verify.test.ts, leader.test.ts); these check each path
// once against MinIO, the real kube-apiserver and its Lease.
const env = inject('driftlessEnv');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);
const START = Date.UTC(2026, 10, 22);
const stores: { destroy(): void }[] = [];
afterAll(() => stores.forEach((s) => s.destroy()));

function s3(): ObjectStore {
  const store = s3StoreFor(env, uniqueName('agent'));
  stores.push(store);
  return store;
}

function agentFor(store: ObjectStore, over: Partial<AgentConfig> = {}) {
  const kube = createKubeTarget(kc);
  const agent = createAgent({
    clock: new VirtualClock(START),
    rng: seededRng(1),
    store,
    kube,
    config: { cluster: 'c1', intervalMs: 1_000, jitter: 0.5, parent: { name: 'driftless-applyset', namespace: uniqueName('driftless') }, heartbeatMs: 60_000, verifyKeys: [], insecureSkipVerify: true, ...over },
  });
  return { agent, kube };
}

async function statusOf(store: ObjectStore) {
  const got = await store.get(storeLayout.status('c1'));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

describe('agent against MinIO and the real kube-apiserver', () => {
  it('applies a new pointer, reports Applied, and then polls with a 304 and writes nothing', async () => {
    const store = s3();
    const ns = uniqueName('app');
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1);
    const { agent, kube } = agentFor(store);
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 1, statusWritten: true });
    expect(await statusOf(store)).toMatchObject({ phase: 'Applied', observedGeneration: 1, objects: { total: 2 } });
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }))?.['data']).toEqual({ color: 'blue' });
    const writes = kube.counters.writes;
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Applied', statusWritten: false });
    expect(kube.counters.writes).toBe(writes);
  });

  it('lets only the leader of two agents for one cluster write, and a new leader take over once the lease lapses', async () => {
    const store = s3();
    await publishBundle(store, 'c1', colorBundle(uniqueName('app'), 'blue'), 1);
    const parent = { name: 'driftless-applyset', namespace: uniqueName('driftless') };
    const clock = new VirtualClock(START);
    const pod = (name: string) => {
      const kube = createKubeTarget(kc);
      const leader = createLeaderElector({ lock: leaseLock(kc, 'default', `driftless-${parent.namespace}`), clock, identity: name, leaseMs: 15_000 });
      const agent = createAgent({ clock, rng: seededRng(1), store, kube, leader, config: { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent, verifyKeys: [], insecureSkipVerify: true } });
      return { kube, agent };
    };
    const a = pod('agent-a');
    const b = pod('agent-b');
    expect((await a.agent.step()) as PassResult).toMatchObject({ phase: 'Applied' });
    expect(await b.agent.step()).toBe('standby');
    expect(b.kube.counters.writes).toBe(0);
    await clock.advance(START + 16_000); // agent-a stopped renewing for longer than the lease
    expect((await b.agent.step()) as PassResult).toMatchObject({ phase: 'Applied' });
    expect(await a.agent.step()).toBe('standby');
  });

  it('refuses a replayed older pointer after a restart, remembering the accepted generation in the cluster', async () => {
    const store = s3();
    const ns = uniqueName('app');
    const keys = generateKeyPairSync('ed25519');
    const parent = { name: 'driftless-applyset', namespace: uniqueName('driftless') };
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1, { signWith: keys.privateKey });
    const oldPointer = await store.get(storeLayout.pointer('c1'));
    const first = agentFor(store, { verifyKeys: [keys.publicKey], parent });
    expect((await first.agent.runOnce()).phase).toBe('Applied');
    await publishBundle(store, 'c1', colorBundle(ns, 'green'), 2, { signWith: keys.privateKey });
    expect((await first.agent.runOnce()).phase).toBe('Applied');
    // A new agent process (restart), and someone puts the old, validly signed pointer back.
    const restarted = agentFor(store, { verifyKeys: [keys.publicKey], parent });
    await store.put(storeLayout.pointer('c1'), oldPointer.kind === 'found' ? oldPointer.body : new Uint8Array());
    const result = await restarted.agent.runOnce();
    expect(result.phase).toBe('Failed');
    expect(result.error).toMatch(/generation 1 is older than the accepted generation 2/);
    expect((await restarted.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }))?.['data']).toEqual({ color: 'green' });
  });

  it('leaves the cluster exactly as it was on a tampered blob in MinIO, and says Failed with the reason', async () => {
    const store = s3();
    const ns = uniqueName('app');
    const keys = generateKeyPairSync('ed25519');
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1, { signWith: keys.privateKey });
    const { agent, kube } = agentFor(store, { verifyKeys: [keys.publicKey] });
    expect((await agent.runOnce()).phase).toBe('Applied');
    const encoded = await publishBundle(store, 'c1', colorBundle(ns, 'red'), 2, { signWith: keys.privateKey });
    const bytes = Uint8Array.from(encoded.compressed);
    bytes[20] = (bytes[20] ?? 0) ^ 0xff;
    await store.put(storeLayout.blob(encoded.digest), bytes);
    const writes = kube.counters.writes;
    const result = await agent.runOnce();
    expect(result.phase).toBe('Failed');
    expect(kube.counters.writes).toBe(writes);
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }))?.['data']).toEqual({ color: 'blue' });
    const status = await statusOf(store);
    expect(status?.phase).toBe('Failed');
    expect(status?.lastError).toMatch(/read failed/);
  });
});
