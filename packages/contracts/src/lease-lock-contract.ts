import type { LeaseLock, LeaseRecord } from '@driftless/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A LeaseLock under test (a fresh lease for each test), another handle on the same lease, and how to dispose of them. */
export interface LeaseLockContractSubject {
  readonly lock: LeaseLock;
  /** A second client of the same lease, as another pod would hold it. */
  readonly another: () => LeaseLock;
  readonly cleanup?: () => Promise<void> | void;
}

/** Times with milliseconds, as a leader elector writes them. */
const T0 = Date.UTC(2026, 10, 22, 8, 30, 0, 123);

const held = (holder: string, over: Partial<LeaseRecord> = {}): LeaseRecord => ({
  holder,
  acquireTimeMs: T0,
  renewTimeMs: T0 + 5_250,
  durationMs: 15_000,
  transitions: 0,
  ...over,
});

/**
 * The behaviour leader election relies on from every LeaseLock, run unchanged
 * against the real adapter on kube-apiserver and against MemoryLeaseLock, so
 * the fake cannot drift from the Lease. `make` is called once per test and
 * must name a lease no other test uses.
 */
export function describeLeaseLockContract(name: string, make: () => LeaseLockContractSubject | Promise<LeaseLockContractSubject>): void {
  describe(`LeaseLock contract: ${name}`, () => {
    let subject: LeaseLockContractSubject;
    let lock: LeaseLock;
    beforeEach(async () => {
      subject = await make();
      lock = subject.lock;
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });

    it('answers a lease that does not exist yet as undefined', async () => {
      expect(await lock.get()).toBeUndefined();
    });

    it('creates the lease once: a second create, from any client, loses and changes nothing', async () => {
      expect(await lock.create(held('a'))).toBe(true);
      expect(await subject.another().create(held('b'))).toBe(false);
      expect(await lock.create(held('c'))).toBe(false);
      expect((await lock.get())?.record.holder).toBe('a');
    });

    it('keeps every field of the record, times to the millisecond', async () => {
      const record = held('a', { transitions: 3 });
      await lock.create(record);
      expect((await subject.another().get())?.record).toEqual(record);
    });

    it('keeps a duration in whole seconds, rounded up, as the Lease does', async () => {
      await lock.create(held('a', { durationMs: 1_500 }));
      expect((await lock.get())?.record.durationMs).toBe(2_000);
    });

    it('replaces the lease only at the version read: a write from a stale version loses', async () => {
      await lock.create(held('a'));
      const read = await lock.get();
      expect(await lock.update(held('a', { renewTimeMs: T0 + 10_000 }), read?.version ?? '')).toBe(true);
      const after = await lock.get();
      expect(after?.version).not.toBe(read?.version);
      expect(await subject.another().update(held('b', { transitions: 1 }), read?.version ?? '')).toBe(false);
      expect(after?.record).toEqual(held('a', { renewTimeMs: T0 + 10_000 }));
      expect((await lock.get())?.record).toEqual(after?.record);
    });

    it('lets exactly one of two clients racing from the same version win', async () => {
      await lock.create(held('a'));
      const other = subject.another();
      const read = await lock.get();
      const version = read?.version ?? '';
      const wins = await Promise.all([lock.update(held('b', { transitions: 1 }), version), other.update(held('c', { transitions: 1 }), version)]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await lock.get())?.record.holder).toBe(wins[0] ? 'b' : 'c');
    });

    it('clears the holder and times when a record without them is written (a release)', async () => {
      await lock.create(held('a', { transitions: 2 }));
      const read = await lock.get();
      expect(await lock.update({ durationMs: 1_000, transitions: 2 }, read?.version ?? '')).toBe(true);
      expect((await subject.another().get())?.record).toEqual({ durationMs: 1_000, transitions: 2 });
    });
  });
}
