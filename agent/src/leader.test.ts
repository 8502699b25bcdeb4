import { DriftlessError, parseJsonDocument, seededRng, statusSchema, storeLayout, type KubeObject, type LeaseLock } from '@driftless/core';
import { MemoryKubeTarget, MemoryLeaseLock, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent, type Agent, type PassResult } from './agent.js';
import { createLeaderElector } from './leader.js';
import { colorBundle, publishBundle } from './testing/publish.js';

const START = Date.UTC(2026, 10, 22);

/** Runs the virtual clock until `work` settles (or an hour has passed), then gives its result. */
async function drive<T>(clock: VirtualClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const done = work.finally(() => void (settled = true));
  await clock.advance(clock.now() + 3_600_000, () => settled);
  return done;
}

describe('leader election', () => {
  it('lets one of two candidates lead, and the other take over only after a whole lease without renewal on its own clock', async () => {
    const lock = new MemoryLeaseLock();
    const clockA = new VirtualClock(START);
    // B's clock is an hour ahead: comparing A's renewTime with it would expire the lease at once.
    const clockB = new VirtualClock(START + 3_600_000);
    const a = createLeaderElector({ lock, clock: clockA, identity: 'a', leaseMs: 15_000 });
    const b = createLeaderElector({ lock: lock.handle(), clock: clockB, identity: 'b', leaseMs: 15_000 });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await clockB.advance(clockB.now() + 10_000);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await clockB.advance(clockB.now() + 6_000);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(await a.tryAcquireOrRenew()).toBe(false);
    expect((await lock.get())?.record).toMatchObject({ holder: 'b', transitions: 1 });
  });

  it('hands the lease over at once when the leader releases it', async () => {
    const lock = new MemoryLeaseLock();
    const clock = new VirtualClock(START);
    const a = createLeaderElector({ lock, clock, identity: 'a' });
    const b = createLeaderElector({ lock: lock.handle(), clock, identity: 'b' });
    await a.tryAcquireOrRenew();
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await a.release();
    expect(await b.tryAcquireOrRenew()).toBe(true);
  });
});

describe('agents under leader election', () => {
  /** Two pods of one cluster's agent: one store, one Kubernetes API, one lease. */
  async function twoPods(intervalMs = 10_000) {
    const clock = new VirtualClock(START);
    const store = new MemoryObjectStore();
    const kube = new MemoryKubeTarget({ clock });
    const lock = new MemoryLeaseLock();
    await publishBundle(store, 'c1', colorBundle('app', 'blue'), 1);
    const pod = (identity: string): Agent =>
      createAgent({
        clock,
        rng: seededRng(1),
        store,
        kube,
        leader: createLeaderElector({ lock: lock.handle(), clock, identity, leaseMs: 15_000 }),
        config: { cluster: 'c1', intervalMs, jitter: 0, verifyKeys: [], insecureSkipVerify: true },
      });
    return { clock, store, kube, a: pod('agent-a'), b: pod('agent-b') };
  }

  it('lets only the leader write, and a standby take over once the lease has not changed for its duration', async () => {
    const { clock, kube, a, b } = await twoPods();
    expect((await a.step()) as PassResult).toMatchObject({ phase: 'Applied' });
    const writes = kube.counters.writes;
    expect(await b.step()).toBe('standby');
    await clock.advance(START + 15_000);
    expect(await b.step()).toBe('standby');
    expect(kube.counters.writes).toBe(writes);
    await clock.advance(START + 16_000); // agent-a stopped renewing for longer than the lease
    expect((await b.step()) as PassResult).toMatchObject({ phase: 'Applied' });
    expect(await a.step()).toBe('standby');
  });

  it('hands the lease over at once when the leader stops', async () => {
    const { clock, a, b } = await twoPods();
    const stop = new AbortController();
    const running = a.run(stop.signal);
    await clock.advance(START + 30_000);
    expect(await b.step()).toBe('standby');
    stop.abort();
    await drive(clock, running);
    expect((await b.step()) as PassResult).toMatchObject({ phase: 'Applied' });
  });

  it('keeps the lease through a long pause by renewing it', async () => {
    // A pause far longer than the lease: the leader renews it every 5 s meanwhile.
    const { clock, a, b } = await twoPods(120_000);
    const stop = new AbortController();
    const running = a.run(stop.signal);
    await clock.advance(START + 50_000);
    expect(await b.step()).toBe('standby');
    await clock.advance(START + 70_000);
    expect(await b.step()).toBe('standby');
    stop.abort();
    await drive(clock, running);
  });

  it('stops a pass that loses the lease before its next write, writes no status, and counts it as standby', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryObjectStore();
    const lock = new MemoryLeaseLock();
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
      ...Array.from({ length: 20 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'app' } })),
    ];
    await publishBundle(store, 'c1', objects, 1);
    // Every write takes a virtual second, so the pass outlasts a renewal period (5 s).
    const kube = new MemoryKubeTarget({ clock, latency: (op) => (op === 'apply' ? clock.sleep(1_000) : Promise.resolve()) });
    const logs: Record<string, unknown>[] = [];
    const agent = createAgent({
      clock,
      rng: seededRng(1),
      store,
      kube,
      log: (e) => logs.push(e),
      leader: createLeaderElector({ lock, clock, identity: 'me' }),
      config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true },
    });
    logs.length = 0; // insecure mode's warning at start
    const putsBefore = store.counters.put;
    const stepping = agent.step();
    await clock.advance(START + 2_500);
    // Another pod takes the lease meanwhile (a write at the version it read).
    const read = await lock.get();
    expect(await lock.handle().update({ ...(read?.record ?? { durationMs: 15_000, transitions: 0 }), holder: 'other', renewTimeMs: clock.now() }, read?.version ?? '')).toBe(true);
    expect(await drive(clock, stepping)).toBe('standby');
    expect(kube.objects().filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'app').length).toBeLessThan(20);
    expect(store.counters.put).toBe(putsBefore); // no status from a pod that lost the lease
    // Losing the lease is not a failure: logged as such, never as a failed reconcile.
    expect(logs.map((e) => e['msg'])).toEqual(['became leader', 'lost leadership']);
    const status = await store.get(storeLayout.status('c1'));
    expect(status.kind === 'found' ? parseJsonDocument(statusSchema, status.body, 'status') : undefined).toBeUndefined();
  });

  it('stops writing when no renewal succeeds within the renew deadline (a hung Lease request), before a standby may take over', async () => {
    const clock = new VirtualClock(START);
    const store = new MemoryObjectStore();
    const lock = new MemoryLeaseLock();
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
      ...Array.from({ length: 30 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'app' } })),
    ];
    await publishBundle(store, 'c1', objects, 1);
    // Every write takes a virtual second and is stamped, so the pass outlasts the lease.
    const writesAt: number[] = [];
    const kube = new MemoryKubeTarget({ clock, latency: async (op) => void (op === 'apply' && (await clock.sleep(1_000), writesAt.push(clock.now()))) });
    // agent-a's Lease requests hang once the pass has started (a hung connection to the API server) until a 30 s request timeout.
    let hung = false;
    const own = lock.handle();
    const timesOut = async (): Promise<never> => {
      await clock.sleep(30_000);
      throw new DriftlessError('KubeUnavailable', 'Lease/default/c1 get failed: no answer within 30000 ms', { object: 'Lease/default/c1', operation: 'get' });
    };
    const hangs: LeaseLock = {
      get: () => (hung ? timesOut() : own.get()),
      create: (record) => (hung ? timesOut() : own.create(record)),
      update: (record, version) => (hung ? timesOut() : own.update(record, version)),
    };
    const pod = (identity: string, lease: LeaseLock) =>
      createAgent({
        clock,
        rng: seededRng(1),
        store,
        kube,
        leader: createLeaderElector({ lock: lease, clock, identity, leaseMs: 15_000 }),
        config: { cluster: 'c1', intervalMs: 10_000, jitter: 0, verifyKeys: [], insecureSkipVerify: true },
      });
    const a = pod('agent-a', hangs);
    const b = pod('agent-b', lock.handle());
    const stepping = a.step();
    await clock.advance(START + 1);
    hung = true;
    expect(await b.step()).toBe('standby'); // agent-b sees the lease change at START
    expect(await drive(clock, stepping)).toBe('standby');
    // agent-a's last write came no later than the renew deadline after its last renewal (at START).
    expect(writesAt.length).toBeGreaterThan(0);
    expect(Math.max(...writesAt)).toBeLessThanOrEqual(START + 10_000);
    const before = writesAt.length;
    await clock.advance(START + 16_000); // agent-a's lease has not changed for its duration: agent-b takes over
    expect((await drive(clock, b.step())) as PassResult).toMatchObject({ phase: 'Applied' });
    expect(writesAt.filter((at) => at <= START + 16_000)).toHaveLength(before);
  });
});
