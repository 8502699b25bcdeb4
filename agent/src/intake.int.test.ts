import { parseJsonDocument, seededRng, statusSchema, storeLayout, type ObjectStore } from '@driftless/core';
import { createKubeTarget } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent, type AgentConfig } from './agent.js';
import { APPLYSET } from './reconcile/applyset.js';
import { FLOOR_CONFIGMAP } from './replay-floor.js';
import { colorBundle, publishBundle } from './testing/publish.js';
import { realComponents } from './testing/real-components.js';

// The agent's intake against MinIO and the real kube-apiserver: nothing it
// refuses for a reason that can be repaired (a corrupted blob, the cluster's
// state) sticks until a restart, and without signatures pointers still never
// go backwards.
const { kc, keys, s3Store } = realComponents();

/** A store on MinIO, an app namespace and an inventory namespace of their own, and an agent process (a restart: call it again) for cluster c1. */
function setup() {
  const store = s3Store('intake');
  const [ns, system] = [uniqueName('app'), uniqueName('driftless')];
  const kube = createKubeTarget(kc);
  const start = (over: Partial<AgentConfig> = {}) => {
    const config: AgentConfig = { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: system }, verifyKeys: [keys.publicKey], ...over };
    return createAgent({ clock: new VirtualClock(Date.UTC(2026, 10, 22)), rng: seededRng(1), store, kube, config });
  };
  return { store, ns, system, kube, start };
}

const configMap = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

async function statusOf(store: ObjectStore): Promise<unknown> {
  const got = await store.get(storeLayout.status('c1'));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

describe('a corrupted blob against MinIO', () => {
  it('fails the pass naming the blob, and applies it without a restart once the hub rewrites it', async () => {
    const { store, ns, kube, start } = setup();
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1, { signWith: keys.privateKey });
    const agent = start();
    expect((await agent.runOnce()).phase).toBe('Applied');
    const green = await publishBundle(store, 'c1', colorBundle(ns, 'green'), 2, { signWith: keys.privateKey });
    const corrupted = new Uint8Array(green.compressed);
    corrupted[corrupted.length - 5] = (corrupted[corrupted.length - 5] ?? 0) ^ 0xff;
    await store.put(storeLayout.blob(green.digest), corrupted);

    const failed = await agent.runOnce();
    expect(failed).toMatchObject({ phase: 'Failed', error: expect.stringContaining(`bundle ${green.digest} read failed`) as unknown });
    expect(failed.error).toMatch(/retrying with backoff/);
    expect(await statusOf(store)).toMatchObject({ phase: 'Failed', lastError: failed.error, observedGeneration: 1 });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'blue' });

    await store.put(storeLayout.blob(green.digest), green.compressed);
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Applied', generation: 2 });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'green' });
  });
});

describe('a pointer refused because of the cluster, against the real kube-apiserver', () => {
  it('is read again on the next pass, so repairing the cluster needs no restart', async () => {
    const { store, ns, system, kube, start } = setup();
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1, { signWith: keys.privateKey });
    expect((await start().runOnce()).phase).toBe('Applied');
    // Every record of the floor gone, objects with our label left: the cluster looks managed before.
    await kube.delete(configMap(system, 'driftless-applyset'));
    await kube.delete(configMap(system, FLOOR_CONFIGMAP));
    await store.delete(storeLayout.status('c1'));
    await publishBundle(store, 'c1', colorBundle(ns, 'green'), 2, { signWith: keys.privateKey });
    const agent = start();
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(/carries this agent's ApplySet label/) as unknown });

    // The operator finds those objects are strays and takes our label off them: the same pointer is then accepted.
    for (const ref of [{ apiVersion: 'v1', kind: 'Namespace', name: ns }, configMap(ns, 'settings')]) {
      const live = await kube.get(ref);
      const labels = { ...(live?.metadata['labels'] as Record<string, string>) };
      delete labels[APPLYSET.partOf];
      await kube.apply({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...('namespace' in ref ? { namespace: ref.namespace } : {}), labels } }, 'driftless');
    }
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 2 });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'green' });
  });
});

describe('insecure mode (--insecure-skip-verify) against MinIO and the real kube-apiserver', () => {
  it('still refuses an older unsigned pointer, in the same process and after a restart, and keeps the floor records', async () => {
    const { store, ns, system, kube, start } = setup();
    const insecure = { verifyKeys: [], insecureSkipVerify: true };
    await publishBundle(store, 'c1', colorBundle(ns, 'blue'), 1);
    const old = await store.get(storeLayout.pointer('c1'));
    if (old.kind !== 'found') throw new Error('no gen-1 pointer');
    const agent = start(insecure);
    expect((await agent.runOnce()).phase).toBe('Applied');
    await publishBundle(store, 'c1', colorBundle(ns, 'green'), 2);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 2 });

    await store.put(storeLayout.pointer('c1'), old.body);
    const replayed = /generation 1 is older than the accepted generation 2/;
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(replayed) as unknown });
    expect(await statusOf(store)).toMatchObject({ phase: 'Failed', observedGeneration: 2, insecureSkipVerify: true });
    expect(await start(insecure).runOnce()).toMatchObject({ phase: 'Failed', error: expect.stringMatching(replayed) as unknown });
    expect((await kube.get(configMap(ns, 'settings')))?.['data']).toEqual({ color: 'green' });
    expect((await kube.get(configMap(system, FLOOR_CONFIGMAP)))?.['data']).toMatchObject({ accepted: expect.stringMatching(/^2\/sha256:/) as unknown });
  });
});
