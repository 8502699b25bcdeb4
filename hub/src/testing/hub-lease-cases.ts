import { parseJsonDocument, storeLayout, type Clock, type ObjectStore } from '@driftless/core';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createHubLease, hubLeaseSchema, type HubLease } from '../serve/hub-lease.js';

/** `clock` seen from a machine whose clock is `offsetMs` ahead (negative: behind); sleeps are the same. */
export function skewed(clock: Clock, offsetMs: number): Clock {
  return { now: () => clock.now() + offsetMs, sleep: (ms, signal) => clock.sleep(ms, signal) };
}

/** A store that fails every request while `down` is set: a replica cut off from the store. */
export function cutOff(store: ObjectStore): { store: ObjectStore; down: boolean } {
  const handle = { store, down: false };
  const guard =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      handle.down ? Promise.reject(new Error('store unreachable')) : f(...args);
  handle.store = {
    get: guard((k, o) => store.get(k, o)),
    head: guard((k, o) => store.head(k, o)),
    putIfAbsent: guard((k, b, o) => store.putIfAbsent(k, b, o)),
    put: guard((k, b, o) => store.put(k, b, o)),
    list: guard((p, o) => store.list(p, o)),
    delete: guard((k, o) => store.delete(k, o)),
  };
  return handle;
}

/**
 * The hub lease's behaviour, run on the in-memory store and on MinIO: the
 * conditional writes it relies on are the store's. `make` returns a fresh,
 * empty store (or prefix) per test.
 */
export function describeHubLease(name: string, make: () => ObjectStore): void {
  describe(`hub lease: ${name}`, () => {
    const pair = (): { clock: VirtualClock; store: ObjectStore; a: HubLease; b: HubLease; netA: { down: boolean } } => {
      const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
      const store = make();
      const netA = cutOff(store);
      return {
        clock,
        store,
        netA,
        a: createHubLease({ store: netA.store, clock, identity: 'hub-a', leaseMs: 30_000 }),
        b: createHubLease({ store, clock, identity: 'hub-b', leaseMs: 30_000 }),
      };
    };
    const stored = async (store: ObjectStore): Promise<unknown> => {
      const got = await store.get(storeLayout.hubLease);
      return got.kind === 'found' ? parseJsonDocument(hubLeaseSchema, got.body, 'lease') : undefined;
    };

    it('lets one replica act at a time, renewing every third of the lease', async () => {
      const { clock, store, a, b } = pair();
      expect(await a.tryAcquireOrRenew()).toBe(true);
      expect(await b.tryAcquireOrRenew()).toBe(false);
      for (let i = 0; i < 6; i++) {
        await clock.advance(clock.now() + 10_000);
        expect(await a.tryAcquireOrRenew()).toBe(true);
        expect(await b.tryAcquireOrRenew(), `standby at renewal ${i}`).toBe(false);
        expect([a.isActive(), b.isActive()]).toEqual([true, false]);
      }
      expect(b.holder()).toBe('hub-a');
      expect(await stored(store)).toMatchObject({ holder: 'hub-a', term: 1, expiresAt: new Date(clock.now() + 30_000).toISOString() });
    });

    it('stops acting at its renew deadline, and a standby takes over only once it saw the lease unchanged for a whole lease duration', async () => {
      const { clock, store, a, b, netA } = pair();
      expect(await a.tryAcquireOrRenew()).toBe(true);
      expect(await b.tryAcquireOrRenew(), 'the standby first sees the lease').toBe(false);
      netA.down = true;
      await clock.advance(clock.now() + 10_000);
      await expect(a.tryAcquireOrRenew()).rejects.toThrow('store unreachable');
      expect(a.isActive(), 'still within its renew deadline').toBe(true);
      expect(await b.tryAcquireOrRenew()).toBe(false);
      await clock.advance(clock.now() + 9_999);
      expect(a.isActive(), '1 ms before the renew deadline (2/3 of the lease)').toBe(true);
      await clock.advance(clock.now() + 1);
      expect(a.isActive(), 'no renewal by its renew deadline: stops acting').toBe(false);
      await clock.advance(clock.now() + 9_999);
      expect(await b.tryAcquireOrRenew(), 'unchanged for 1 ms less than the lease').toBe(false);
      await clock.advance(clock.now() + 1);
      expect(await b.tryAcquireOrRenew(), 'unchanged for the whole lease').toBe(true);
      expect(b.isActive()).toBe(true);
      expect(await stored(store)).toMatchObject({ holder: 'hub-b', term: 2 });
    });

    it('never writes over the new holder once it lost the lease', async () => {
      const { clock, store, a, b, netA } = pair();
      await a.tryAcquireOrRenew();
      expect(await b.tryAcquireOrRenew()).toBe(false);
      netA.down = true;
      await clock.advance(clock.now() + 30_000);
      expect(await b.tryAcquireOrRenew()).toBe(true);
      const before = await store.get(storeLayout.hubLease);
      netA.down = false;
      expect(await a.tryAcquireOrRenew()).toBe(false);
      expect(a.isActive()).toBe(false);
      expect(a.holder()).toBe('hub-b');
      await a.release();
      const after = await store.get(storeLayout.hubLease);
      expect(after.kind === 'found' && before.kind === 'found' && after.etag === before.etag, 'the lease is unchanged').toBe(true);
    });

    it('hands over at once on release (released: true), whatever the standby\'s clock says', async () => {
      const { clock, store, a } = pair();
      const behind = createHubLease({ store, clock: skewed(clock, -3_600_000), identity: 'hub-b', leaseMs: 30_000 });
      await a.tryAcquireOrRenew();
      expect(await behind.tryAcquireOrRenew()).toBe(false);
      await clock.advance(clock.now() + 5_000);
      await a.release();
      expect(a.isActive()).toBe(false);
      expect(await stored(store)).toMatchObject({ holder: 'hub-a', released: true });
      expect(await behind.tryAcquireOrRenew(), 'no wait for the lease duration').toBe(true);
      expect(await stored(store)).toMatchObject({ holder: 'hub-b', term: 2 });
      expect(await stored(store)).not.toHaveProperty('released');
    });

    it('a standby whose clock runs 21 s ahead never takes a lease that is renewed', async () => {
      const { clock, store, a } = pair();
      const ahead = createHubLease({ store, clock: skewed(clock, 21_000), identity: 'hub-b', leaseMs: 30_000 });
      expect(await a.tryAcquireOrRenew()).toBe(true);
      for (let i = 0; i < 9; i++) {
        await clock.advance(clock.now() + 9_500);
        expect(await ahead.tryAcquireOrRenew(), `standby at ${clock.now()}`).toBe(false);
        await clock.advance(clock.now() + 500);
        expect(await a.tryAcquireOrRenew()).toBe(true);
        expect(a.isActive()).toBe(true);
      }
    });

    it('a standby takes a lease unchanged for a whole lease duration by its clock, though expiresAt (by the holder\'s clock) is far ahead', async () => {
      const { clock, store, b } = pair();
      const fast = createHubLease({ store, clock: skewed(clock, 3_600_000), identity: 'hub-a', leaseMs: 30_000 });
      expect(await fast.tryAcquireOrRenew()).toBe(true);
      await clock.advance(clock.now() + 1_000);
      expect(await b.tryAcquireOrRenew()).toBe(false);
      await clock.advance(clock.now() + 29_999);
      expect(await b.tryAcquireOrRenew()).toBe(false);
      await clock.advance(clock.now() + 1);
      expect(await b.tryAcquireOrRenew()).toBe(true);
      expect(await stored(store)).toMatchObject({ holder: 'hub-b', term: 2 });
    });

    it('lets exactly one of two replicas racing for a free lease win', async () => {
      const { a, b } = pair();
      const won = await Promise.all([a.tryAcquireOrRenew(), b.tryAcquireOrRenew()]);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect([a.isActive(), b.isActive()].filter(Boolean)).toHaveLength(1);
    });
  });
}
