import { ApiException } from '@kubernetes/client-node';
import { DEFAULT_BUNDLE_LIMITS, DriftlessError, parseJsonDocument, seededRng, statusSchema, storeLayout, type KubeObject, type Rng } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { translateKubeError } from '@driftless/kube';
import { describe, expect, it } from 'vitest';
import { createAgent, type AgentConfig, type PassResult } from './agent.js';
import { prometheusMetrics } from './prometheus-metrics.js';
import { colorBundle, publishBundle } from './testing/publish.js';

const START = Date.UTC(2026, 10, 22);
const settings = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'settings' };

function setup(opts: { clock?: VirtualClock; store?: MemoryObjectStore; kube?: MemoryKubeTarget; rng?: Rng; config?: Partial<AgentConfig> } = {}) {
  const clock = opts.clock ?? new VirtualClock(START);
  const store = opts.store ?? new MemoryObjectStore();
  const kube = opts.kube ?? new MemoryKubeTarget({ clock });
  const logs: Record<string, unknown>[] = [];
  const agent = createAgent({
    clock,
    rng: opts.rng ?? seededRng(1),
    store,
    kube,
    log: (e) => logs.push(e),
    config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true, ...opts.config },
  });
  // These scenarios publish unsigned pointers (agent-verify and agent-trust test signing): drop insecure mode's warning at start.
  logs.length = 0;
  return { clock, store, kube, agent, logs };
}

async function statusIn(store: MemoryObjectStore) {
  const got = await store.get(storeLayout.status('c1'));
  return got.kind === 'found' ? parseJsonDocument(statusSchema, got.body, 'status') : undefined;
}

describe('agent pass', () => {
  it('applies a new pointer and reports Applied; an idle pass then reads the pointer (304), one parent and one list per kind, and writes nothing', async () => {
    const { store, kube, agent } = setup();
    const { digest } = await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    expect(await agent.runOnce()).toMatchObject({ poll: 'changed', phase: 'Applied', generation: 1, statusWritten: true });
    expect(await statusIn(store)).toMatchObject({ phase: 'Applied', observedGeneration: 1, appliedBundle: digest, objects: { total: 2, ready: 2, drifted: 0, pruned: 0 } });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
    const kubeBefore = { ...kube.counters };
    const storeBefore = { ...store.counters };
    expect(await agent.runOnce()).toEqual({
      poll: 'not-modified',
      phase: 'Applied',
      outcome: { applied: 0, unchanged: 2, drifted: 0, pruned: 0, failed: [], notReady: [], degraded: [] },
      statusWritten: false,
      generation: 1,
    });
    // The bench's idle figure: get the parent, list Namespaces and ConfigMaps, nothing else.
    expect({ reads: kube.counters.reads - kubeBefore.reads, writes: kube.counters.writes - kubeBefore.writes }).toEqual({ reads: 3, writes: 0 });
    expect({ ...store.counters, get304: store.counters.get304 - storeBefore.get304 }).toEqual({ ...storeBefore, get304: 1 });
  });

  it('reverts a manual edit on the next pass and counts it as drift', async () => {
    const { store, kube, agent } = setup();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    await agent.runOnce();
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'app' }, data: { color: 'red' } }, 'kubectl');
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Applied', outcome: { applied: 1, drifted: 1, unchanged: 1 }, statusWritten: true });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
    expect(await statusIn(store)).toMatchObject({ objects: { total: 2, ready: 2, drifted: 1 } });
  });

  it('reverts a manual edit made after an idle pass found everything in sync (the in-sync memo does not hide it)', async () => {
    const { store, kube, agent } = setup();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    await agent.runOnce();
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', outcome: { applied: 0, unchanged: 2 } });
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'app' }, data: { color: 'red' } }, 'kubectl');
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', outcome: { applied: 1, drifted: 1, unchanged: 1 } });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
  });

  it('prunes what left the bundle once the new one applied', async () => {
    const { store, kube, agent } = setup();
    const extra = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'app' }, data: { a: 'b' } } as KubeObject;
    await publishBundle(store, 'c1', [...colorBundle('app', 'blue'), extra], 1);
    await agent.runOnce();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 2);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 2, outcome: { pruned: 1, applied: 0 } });
    expect(await kube.get({ ...settings, name: 'extra' })).toBeUndefined();
  });

  it('reports a prune the API refuses as Degraded, naming the object, prunes the rest, and keeps its interval (no backoff)', async () => {
    const clock = new VirtualClock(START);
    const kube = new MemoryKubeTarget({
      clock,
      latency: (op, ref) =>
        op === 'delete' && ref.name === 'stuck'
          ? Promise.reject(new DriftlessError('KubeRefused', 'ConfigMap/app/stuck delete failed: forbidden', { object: 'ConfigMap/app/stuck', operation: 'delete', status: 403, reason: 'forbidden' }))
          : Promise.resolve(),
    });
    const polls: number[] = [];
    const store = new MemoryObjectStore({ latency: (op, key) => (op === 'get' && key.endsWith('desired.json') && polls.push(clock.now() - START), Promise.resolve()) });
    const { agent } = setup({ clock, kube, store });
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app' }, data: { a: 'b' } }) as KubeObject;
    await publishBundle(store, 'c1', [...colorBundle('app', 'blue'), cm('stuck'), cm('gone')], 1);
    await agent.runOnce();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 2);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Degraded', error: 'ConfigMap/app/stuck: ConfigMap/app/stuck delete failed: forbidden', outcome: { pruned: 1, failed: [] } });
    expect(await statusIn(store)).toMatchObject({ phase: 'Degraded', lastError: 'ConfigMap/app/stuck: ConfigMap/app/stuck delete failed: forbidden', objects: { pruned: 1 } });
    expect(await kube.get({ ...settings, name: 'gone' })).toBeUndefined();
    polls.length = 0;
    const stop = new AbortController();
    const running = agent.run(stop.signal);
    await clock.advance(START + 30_000);
    stop.abort();
    await running;
    expect(polls).toEqual([0, 10_000, 20_000, 30_000]);
  });

  it('keeps running when the status cannot be written', async () => {
    const store = new MemoryObjectStore({ fault: (op, key) => (op === 'put' && key.endsWith('status.json') ? 'unavailable' : undefined) });
    const { kube, agent, logs } = setup({ store });
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', statusWritten: false });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'status write failed' }));
  });

  it('writes an unchanged status again only once a heartbeat is due', async () => {
    const { clock, store, agent } = setup({ config: { heartbeatMs: 60_000 } });
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    await agent.runOnce();
    await clock.advance(START + 59_000);
    expect((await agent.runOnce()).statusWritten).toBe(false);
    await clock.advance(START + 60_000);
    expect((await agent.runOnce()).statusWritten).toBe(true);
    expect((await statusIn(store))?.heartbeatAt).toBe(new Date(START + 60_000).toISOString());
  });

  it('reports an oversized pointer as Failed, and keeps the last good bundle in shape', async () => {
    const { store, kube, agent } = setup();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    expect((await agent.runOnce()).phase).toBe('Applied');
    await store.put(storeLayout.pointer('c1'), new Uint8Array(128 * 1024));
    // Someone edits the object by hand meanwhile.
    await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'app' }, data: { color: 'red' } }, 'kubectl');
    const writes = kube.counters.writes;
    const result = await agent.runOnce();
    expect(result).toMatchObject({ phase: 'Failed', error: expect.stringContaining('larger than the limit') as unknown });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'blue' });
    expect(kube.counters.writes).toBeGreaterThan(writes);
    expect((await statusIn(store))?.phase).toBe('Failed');
  });

  it('refuses a bundle of more objects than an agent may hold: Failed, the status names the limit, nothing is applied', async () => {
    const { store, kube, agent } = setup();
    const many = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'many' } },
      ...Array.from({ length: DEFAULT_BUNDLE_LIMITS.maxObjects }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `m${i}`, namespace: 'many' } })),
    ] as KubeObject[];
    // Published past the hub's limits, as an older or a hostile hub could.
    const { digest } = await publishBundle(store, 'c1', many, 1, { limits: { ...DEFAULT_BUNDLE_LIMITS, maxObjects: many.length } });
    const limitMessage = `bundle ${digest} read failed: it holds ${many.length} objects, over the limit of ${DEFAULT_BUNDLE_LIMITS.maxObjects} objects`;
    expect(await agent.runOnce()).toMatchObject({ phase: 'Failed', error: limitMessage });
    expect(await statusIn(store)).toMatchObject({ phase: 'Failed', lastError: limitMessage });
    expect(kube.counters.writes).toBe(0);
  });

  it('reports an unreadable pointer as a poll error, writing no status', async () => {
    const store = new MemoryObjectStore({ fault: (op, key) => (op === 'get' && key.endsWith('desired.json') ? 'unavailable' : undefined) });
    const { agent, logs } = setup({ store });
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    expect(await agent.runOnce()).toEqual({ poll: 'error', phase: 'Unknown', error: expect.any(String) as unknown, statusWritten: false });
    expect(await statusIn(store)).toBeUndefined();
    expect(logs).toEqual([expect.objectContaining({ level: 'error', msg: 'poll failed', cluster: 'c1' })]);
  });

  it('reports a Kubernetes API outage as Failed, keeps running, and converges once the API is back', async () => {
    let down = false;
    const clock = new VirtualClock(START);
    const kube = new MemoryKubeTarget({
      clock,
      latency: (op, ref) =>
        down ? Promise.reject(new DriftlessError('KubeUnavailable', `${ref.kind} ${op} failed: connect ECONNREFUSED 127.0.0.1:6443`, { object: ref.kind, operation: op })) : Promise.resolve(),
    });
    const { store, agent, logs } = setup({ kube });
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    expect((await agent.runOnce()).phase).toBe('Applied');
    await publishBundle(store, 'c1', colorBundle('app', 'green'), 2);
    down = true;
    const during = await agent.runOnce();
    expect(during).toMatchObject({ poll: 'changed', phase: 'Failed', generation: 2, statusWritten: true });
    expect(during.error).toMatch(/failed: connect ECONNREFUSED/);
    expect(await statusIn(store)).toMatchObject({ phase: 'Failed', lastError: during.error, objects: { ready: 0 } });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'reconcile failed', error: during.error }));
    down = false;
    expect(await agent.runOnce()).toMatchObject({ poll: 'not-modified', phase: 'Applied', generation: 2 });
    expect((await kube.get(settings))?.['data']).toEqual({ color: 'green' });
  });

  it('fails a pass whose list the API server answers with a 500 without a reason, writing nothing to the cluster', async () => {
    // What the real adapter makes of kube-apiserver's reasonless 500 for a list (etcd losing its leader).
    const outage = new ApiException(500, 'Unsuccessful HTTP Request', JSON.stringify({ kind: 'Status', status: 'Failure', message: 'etcdserver: leader changed', code: 500 }), {});
    const listFailure = translateKubeError(outage, 'ConfigMap (v1)', 'list') as Error;
    let down = false;
    const clock = new VirtualClock(START);
    const kube = new MemoryKubeTarget({
      clock,
      latency: (op, ref) => (down && op === 'list' && ref.kind === 'ConfigMap' ? Promise.reject(listFailure) : Promise.resolve()),
    });
    const { store, agent } = setup({ kube });
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    expect((await agent.runOnce()).phase).toBe('Applied');
    down = true;
    const writes = kube.counters.writes;
    const during = await agent.runOnce();
    expect(during).toMatchObject({ phase: 'Failed', error: 'ConfigMap (v1) list failed: HTTP 500: etcdserver: leader changed', statusWritten: true });
    expect(during.outcome).toBeUndefined();
    expect(kube.counters.writes).toBe(writes);
    expect(await statusIn(store)).toMatchObject({ phase: 'Failed', lastError: during.error });
  });
});

describe('agent health', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'app' },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } } },
  } as unknown as KubeObject;

  it('reports Progressing while a Deployment rolls out, and Degraded once past the progress deadline', async () => {
    // No controllers: nothing ever reports the Deployment's status, as on the test kube-apiserver.
    const { clock, store, agent } = setup({ config: { progressDeadlineMs: 60_000 } });
    await publishBundle(store, 'c1', [...colorBundle('app', 'blue'), deployment], 1);
    expect((await agent.runOnce()).phase).toBe('Progressing');
    await clock.advance(START + 60_000);
    expect((await agent.runOnce()).phase).toBe('Progressing');
    await clock.advance(START + 60_001);
    const late = await agent.runOnce();
    expect(late).toMatchObject({ phase: 'Degraded', error: 'Deployment/app/api: the controller has not observed the latest generation' });
    expect(await statusIn(store)).toMatchObject({ phase: 'Degraded', lastError: late.error, objects: { total: 3, ready: 2 } });
  });

  it('reports Applied once the Deployment is available', async () => {
    const clock = new VirtualClock(START);
    const { store, agent } = setup({ kube: new MemoryKubeTarget({ controllers: 'instant', clock }) });
    await publishBundle(store, 'c1', [...colorBundle('app', 'blue'), deployment], 1);
    expect(await agent.runOnce()).toMatchObject({ phase: 'Applied', outcome: { notReady: [], degraded: [] } });
  });
});

describe('agent loop', () => {
  /** The times (virtual ms from the start) at which `run` read the pointer during `ms`. */
  async function pollTimes(ms: number, opts: { pointerUnavailable?: boolean; rng?: Rng; config?: Partial<AgentConfig> }): Promise<number[]> {
    const times: number[] = [];
    const clock = new VirtualClock(START);
    const isPointer = (op: string, key: string): boolean => op === 'get' && key.endsWith('desired.json');
    const store = new MemoryObjectStore({
      latency: (op, key) => {
        if (isPointer(op, key)) times.push(clock.now() - START);
        return Promise.resolve();
      },
      fault: (op, key) => (opts.pointerUnavailable && isPointer(op, key) ? 'unavailable' : undefined),
    });
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    const { agent } = setup({ clock, store, ...(opts.rng ? { rng: opts.rng } : {}), ...(opts.config ? { config: opts.config } : {}) });
    const stop = new AbortController();
    const running = agent.run(stop.signal);
    await clock.advance(START + ms);
    stop.abort();
    await running;
    return times;
  }

  it('polls once per interval while all is well', async () => {
    expect(await pollTimes(30_000, {})).toEqual([0, 10_000, 20_000, 30_000]);
  });

  it('spreads polls over the jitter band', async () => {
    const times = await pollTimes(60_000, { config: { jitter: 0.5 } });
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps.every((g) => g >= 5_000 && g <= 15_000)).toBe(true);
    expect(new Set(gaps).size).toBeGreaterThan(1);
  });

  it('backs off exponentially, with full jitter and a cap, while polling fails', async () => {
    const half: Rng = { next: () => 0.5 };
    const times = await pollTimes(10_000, { pointerUnavailable: true, rng: half, config: { backoffBaseMs: 1_000, backoffMaxMs: 4_000 } });
    // Pauses of half the cap: 500, 1 000, 2 000, then 2 000 (capped at 4 000).
    expect(times).toEqual([0, 500, 1_500, 3_500, 5_500, 7_500, 9_500]);
  });
});

describe('agent liveness (what /healthz serves)', () => {
  it('stays live while it backs off for longer than three intervals, and is stalled once a pass hangs for three intervals', async () => {
    const clock = new VirtualClock(START);
    const metrics = prometheusMetrics('c1', { clock, intervalMs: 10_000 });
    let polls = 0;
    let hang = false;
    // Liveness as a probe would see it at the start of each pass, after the longest wait.
    const seenAtPassStart: (string | undefined)[] = [];
    const isPointer = (op: string, key: string): boolean => op === 'get' && key.endsWith('desired.json');
    const store = new MemoryObjectStore({
      latency: (op, key) => {
        if (!isPointer(op, key)) return Promise.resolve();
        seenAtPassStart.push(metrics.stalled());
        return hang ? new Promise<void>(() => undefined) : Promise.resolve();
      },
      // Unavailable four times (backoff pauses of 20, 40, 80, 80 s), then fine.
      fault: (op, key) => (isPointer(op, key) && ++polls <= 4 ? 'unavailable' : undefined),
    });
    const agent = createAgent({
      clock,
      rng: { next: () => 0.999 },
      store,
      kube: new MemoryKubeTarget({ clock }),
      metrics,
      config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, backoffBaseMs: 20_000, backoffMaxMs: 80_000, verifyKeys: [], insecureSkipVerify: true },
    });
    const stop = new AbortController();
    void agent.run(stop.signal);
    await clock.advance(START + 240_000);
    expect(seenAtPassStart.length).toBeGreaterThan(5);
    expect(seenAtPassStart.filter((s) => s !== undefined)).toEqual([]);
    hang = true;
    const hungFrom = clock.now();
    // The last pass ended at most one interval before: three intervals after it, not yet.
    await clock.advance(hungFrom + 19_000);
    expect(metrics.stalled()).toBeUndefined();
    await clock.advance(hungFrom + 400_000, () => metrics.stalled() !== undefined);
    expect(metrics.stalled()).toMatch(/^no pass completed for \d+s/);
    stop.abort();
  });

  it('stays live through a first apply that takes many intervals while each request completes, and is stalled once one hangs for three', async () => {
    const clock = new VirtualClock(START);
    const metrics = prometheusMetrics('c1', { clock, intervalMs: 10_000 });
    const store = new MemoryObjectStore();
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
      ...Array.from({ length: 60 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'app' } })),
    ];
    await publishBundle(store, 'c1', objects, 1);
    // A remote API server: every write takes 2 virtual seconds, so the first pass takes two minutes (12 intervals).
    let hangAfter = Number.POSITIVE_INFINITY;
    let applies = 0;
    let hungAt: number | undefined;
    const seen: (string | undefined)[] = [];
    const kube = new MemoryKubeTarget({
      clock,
      latency: async (op) => {
        if (op !== 'apply') return;
        seen.push(metrics.stalled());
        if (++applies <= hangAfter) return clock.sleep(2_000);
        hungAt = clock.now();
        return new Promise<void>(() => undefined);
      },
    });
    const config = { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true };
    const agent = createAgent({ clock, rng: seededRng(1), store, kube, metrics, config });
    let result: PassResult | undefined;
    void agent.runOnce().then((r) => (result = r));
    await clock.advance(START + 3_600_000, () => result !== undefined);
    expect(result).toMatchObject({ phase: 'Applied' });
    expect(clock.now() - START).toBeGreaterThan(100_000);
    expect(seen.length).toBeGreaterThan(60);
    expect(seen.filter((s) => s !== undefined)).toEqual([]);
    // The same agent on a new bundle, whose 10th write never answers: stalled three intervals after the last answer.
    await publishBundle(store, 'c1', objects.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { v: '2' } } })), 2);
    hangAfter = applies + 10;
    void agent.runOnce();
    await clock.advance(clock.now() + 60_000, () => hungAt !== undefined);
    const from = hungAt ?? 0;
    await clock.advance(from + 30_000);
    expect(metrics.stalled()).toBeUndefined();
    await clock.advance(from + 31_000);
    expect(metrics.stalled()).toMatch(/no Kubernetes request completed for 31s \(3 intervals of 10s\)$/);
  });
});
