import { storeLayout, seededRng, type ObjectStore } from '@driftless/core';
import { createKubeTarget, leaseLock } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent, type AgentConfig, type PassResult } from './agent.js';
import { createLeaderElector } from './leader.js';
import { FLOOR_CONFIGMAP } from './replay-floor.js';
import { colorBundle, publishBundle } from './testing/publish.js';
import { realComponents } from './testing/real-components.js';

// Two agent pods of one cluster (the default deployment: 2 replicas with
// --leader-elect) against MinIO and the real kube-apiserver: a pod that regains
// the lease, or one still writing while another leads, must not go backwards.
const { kc, keys, s3Store } = realComponents();
const START = Date.UTC(2026, 10, 22);

/** One store, one inventory namespace, one app namespace, one Lease: the setting of two pods of cluster c1. */
function cluster() {
  const store = s3Store('leader');
  const ns = uniqueName('app');
  const parent = { name: 'driftless-applyset', namespace: uniqueName('driftless') };
  const lease = `driftless-${parent.namespace}`;
  const config: AgentConfig = { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent, verifyKeys: [keys.publicKey] };
  const publish = async (color: string, generation: number): Promise<Uint8Array> => {
    await publishBundle(store, 'c1', colorBundle(ns, color), generation, { signWith: keys.privateKey });
    const got = await store.get(storeLayout.pointer('c1'));
    if (got.kind !== 'found') throw new Error('no pointer');
    return got.body;
  };
  const kube = createKubeTarget(kc);
  const color = async () => (await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }))?.['data'];
  const floor = async () => (await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: parent.namespace, name: FLOOR_CONFIGMAP }))?.['data'];
  const status = async (): Promise<unknown> => {
    const got = await store.get(storeLayout.status('c1'));
    return got.kind === 'found' ? JSON.parse(new TextDecoder().decode(got.body)) : undefined;
  };
  return { store, config, lease, publish, color, floor, status };
}

/** An agent pod: its own API client, and (with `clock`) its own elector on the real Lease. */
function pod(store: ObjectStore, config: AgentConfig, identity: string, election?: { clock: VirtualClock; lease: string }) {
  const clock = election?.clock ?? new VirtualClock(START);
  const leader = election ? createLeaderElector({ lock: leaseLock(kc, 'default', election.lease), clock, identity, leaseMs: 15_000 }) : undefined;
  return createAgent({ clock, rng: seededRng(1), store, kube: createKubeTarget(kc), config, ...(leader ? { leader } : {}) });
}

describe('two agent pods of one cluster against the real kube-apiserver', () => {
  it('a pod that regains the lease reloads the replay floor and its state from the records: a replayed pointer is refused, the floor kept', async () => {
    const { store, config, lease, publish, color, floor } = cluster();
    const clock = new VirtualClock(START);
    const a = pod(store, config, 'agent-a', { clock, lease });
    const b = pod(store, config, 'agent-b', { clock, lease });
    await publish('blue', 1);
    expect((await b.step()) as PassResult).toMatchObject({ phase: 'Applied', generation: 1 });
    expect(await a.step()).toBe('standby');
    await clock.advance(START + 16_000); // agent-b stopped renewing: agent-a takes over
    expect((await a.step()) as PassResult).toMatchObject({ phase: 'Applied', generation: 1 });
    const second = await publish('green', 2);
    expect((await a.step()) as PassResult).toMatchObject({ phase: 'Applied', generation: 2 });
    await publish('red', 3);
    expect((await a.step()) as PassResult).toMatchObject({ phase: 'Applied', generation: 3 });
    expect(await b.step()).toBe('standby');
    // Someone puts the validly signed generation 2 back; agent-a stops renewing and agent-b leads again.
    await store.put(storeLayout.pointer('c1'), second);
    await clock.advance(START + 32_000);
    const result = (await b.step()) as PassResult;
    expect(result).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/generation 2 is older than the accepted generation 3/) as unknown });
    expect(await color()).toEqual({ color: 'red' });
    expect(await floor()).toMatchObject({ accepted: expect.stringMatching(/^3\//) as unknown });
    // A later pass refuses it again and still leaves the cluster as generation 3 left it (no old bundle re-applied).
    expect(await b.step()).toMatchObject({ phase: 'Failed' });
    expect(await color()).toEqual({ color: 'red' });
  });

  it('never lowers the floor ConfigMap that another pod raised meanwhile (two writers at once), and reloads from it', async () => {
    const { store, config, publish, color, floor, status } = cluster();
    const a = pod(store, config, 'agent-a');
    const b = pod(store, config, 'agent-b');
    await publish('blue', 1);
    expect((await b.runOnce()).phase).toBe('Applied');
    const second = await publish('green', 2);
    expect(await a.runOnce()).toMatchObject({ phase: 'Applied', generation: 2 });
    await publish('red', 3);
    expect(await a.runOnce()).toMatchObject({ phase: 'Applied', generation: 3 });
    // agent-b still remembers generation 1 as the floor when generation 2 is put back.
    await store.put(storeLayout.pointer('c1'), second);
    expect(await b.runOnce()).toMatchObject({ phase: 'Failed', statusWritten: false, error: expect.stringMatching(/generation 3/) as unknown });
    expect(await floor()).toMatchObject({ accepted: expect.stringMatching(/^3\//) as unknown });
    expect(await color()).toEqual({ color: 'red' });
    // Superseded, agent-b writes no status: the one agent-a wrote for generation 3 stands.
    expect(await status()).toMatchObject({ phase: 'Applied', observedGeneration: 3 });
    expect(await b.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/generation 2 is older than the accepted generation 3/) as unknown });
    expect(await color()).toEqual({ color: 'red' });
  });
});
