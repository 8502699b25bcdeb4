import { parseJsonDocument, storeLayout, type ObjectStore } from '@driftless/core';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createHubLease, hubLeaseSchema, type HubLease } from '../serve/hub-lease.js';

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

    it('stops acting once it cannot renew before expiry, and a standby takes over only after it', async () => {
      const { clock, store, a, b, netA } = pair();
      expect(await a.tryAcquireOrRenew()).toBe(true);
      netA.down = true;
      await clock.advance(clock.now() + 10_000);
      await expect(a.tryAcquireOrRenew()).rejects.toThrow('store unreachable');
      expect(a.isActive(), 'still within the lease it wrote').toBe(true);
      expect(await b.tryAcquireOrRenew()).toBe(false);
      await clock.advance(clock.now() + 19_999);
      expect(await b.tryAcquireOrRenew(), '1 ms before expiry').toBe(false);
      await clock.advance(clock.now() + 1);
      expect(a.isActive(), 'no renewal before expiry: stops acting').toBe(false);
      expect(await b.tryAcquireOrRenew(), 'at expiry').toBe(true);
      expect(b.isActive()).toBe(true);
      expect(await stored(store)).toMatchObject({ holder: 'hub-b', term: 2 });
    });

    it('never writes over the new holder once it lost the lease', async () => {
      const { clock, store, a, b, netA } = pair();
      await a.tryAcquireOrRenew();
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

    it('hands over at once on release, writing expiresAt = now', async () => {
      const { clock, store, a, b } = pair();
      await a.tryAcquireOrRenew();
      await clock.advance(clock.now() + 5_000);
      await a.release();
      expect(a.isActive()).toBe(false);
      expect(await stored(store)).toMatchObject({ holder: 'hub-a', expiresAt: new Date(clock.now()).toISOString() });
      expect(await b.tryAcquireOrRenew(), 'no wait for the lease duration').toBe(true);
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
