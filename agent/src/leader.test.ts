import { API_VERSION, canonicalBytes, encodeBundle, seededRng, storeLayout, type Clock, type KubeTarget, type LeaseLock, type LeaseRecord } from '@driftless/core';
import { MemoryObjectStore } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { createLeaderElector } from './leader.js';

/** A lease in memory with optimistic concurrency, like the Lease object. */
function memoryLock(): LeaseLock & { steal(holder: string): void } {
  let state: { record: LeaseRecord; version: number } | undefined;
  return {
    get: () => Promise.resolve(state ? { record: state.record, version: String(state.version) } : undefined),
    create: (record) => Promise.resolve(state ? false : ((state = { record, version: 1 }), true)),
    update: (record, version) =>
      Promise.resolve(state && String(state.version) === version ? ((state = { record, version: state.version + 1 }), true) : false),
    steal(holder) {
      if (state) state = { record: { ...state.record, holder, renewTimeMs: Date.now() }, version: state.version + 1 };
    },
  };
}

const clockAt = (start: number): Clock & { advance(ms: number): void } => {
  let now = start;
  return {
    now: () => now,
    // Yields to the event loop without waiting: time moves only when the test says.
    sleep: () => new Promise((r) => setImmediate(r)),
    advance: (ms) => void (now += ms),
  };
};

describe('leader election', () => {
  it('lets one of two candidates lead, and the other take over only after a whole lease without renewal on its own clock', async () => {
    const lock = memoryLock();
    const clockA = clockAt(1_000_000);
    // B's clock is an hour ahead: comparing A's renewTime with it would expire the lease at once.
    const clockB = clockAt(1_000_000 + 3_600_000);
    const a = createLeaderElector({ lock, clock: clockA, identity: 'a', leaseMs: 15_000 });
    const b = createLeaderElector({ lock, clock: clockB, identity: 'b', leaseMs: 15_000 });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clockB.advance(10_000);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clockB.advance(6_000);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(await a.tryAcquireOrRenew()).toBe(false);
  });

  it('hands the lease over at once when the leader releases it', async () => {
    const lock = memoryLock();
    const a = createLeaderElector({ lock, clock: clockAt(0), identity: 'a' });
    const b = createLeaderElector({ lock, clock: clockAt(0), identity: 'b' });
    await a.tryAcquireOrRenew();
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await a.release();
    expect(await b.tryAcquireOrRenew()).toBe(true);
  });

  it('stops a pass that loses the lease before its next write, and counts it as standby', async () => {
    const lock = memoryLock();
    const clock = clockAt(0);
    const store = new MemoryObjectStore();
    const objects = Array.from({ length: 20 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'app' } }));
    const encoded = encodeBundle(objects);
    await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
    const pointer = { apiVersion: API_VERSION, kind: 'Pointer', cluster: 'c1', bundle: encoded.digest, revision: '3'.repeat(40), generation: 1, publishedAt: '2026-11-22T00:00:00.000Z' };
    await store.put(storeLayout.pointer('c1'), canonicalBytes(pointer));
    let writes = 0;
    const kube: KubeTarget = {
      resourceOf: () => Promise.resolve({ resource: 'configmaps', namespaced: true }),
      get: () => Promise.resolve(undefined),
      list: () => Promise.resolve([]),
      delete: () => Promise.resolve(false),
      async apply(obj) {
        writes += 1;
        // Another pod takes the lease while this one is applying; let the renewal notice.
        if (writes === 5) lock.steal('other');
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        return obj;
      },
    };
    const putsBefore = store.counters.put;
    const leader = createLeaderElector({ lock, clock, identity: 'me' });
    const agent = createAgent({ clock, rng: seededRng(1), store, kube, leader, config: { cluster: 'c1', intervalMs: 1_000, jitter: 0 } });
    expect(await agent.step()).toBe('standby');
    expect(writes).toBeLessThan(objects.length);
    expect(store.counters.put).toBe(putsBefore); // no status from a pod that lost the lease
  });
});
