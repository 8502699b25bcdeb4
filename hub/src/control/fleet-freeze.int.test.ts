import { DriftlessError, freezeSchema, storeLayout, type Clock, type Freeze, type ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.js';
import { freezeFleet, unfreezeFleet } from './fleet-freeze.js';
import { freeze, readFreeze, unfreeze } from './freeze.js';

const env = inject('driftlessEnv');
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups) c();
});

function s3Store(): ObjectStore {
  const store = s3StoreFor(env, uniqueName('freeze'));
  cleanups.push(() => store.destroy());
  return store;
}

/** `store` with some methods replaced; the others delegate. */
function wrap(store: ObjectStore, over: Partial<ObjectStore>): ObjectStore {
  return {
    get: over.get ?? ((k, o) => store.get(k, o)),
    head: over.head ?? ((k, o) => store.head(k, o)),
    putIfAbsent: over.putIfAbsent ?? ((k, b, o) => store.putIfAbsent(k, b, o)),
    put: over.put ?? ((k, b, o) => store.put(k, b, o)),
    list: over.list ?? ((p, o) => store.list(p, o)),
    delete: over.delete ?? ((k, o) => store.delete(k, o)),
  };
}

/** Audit entry puts fail (a transient store error) `failures` times, then go through. */
function failingAuditPuts(store: ObjectStore, failures: number): ObjectStore {
  let left = failures;
  return wrap(store, {
    putIfAbsent: async (key, body, opts) => {
      if (key.startsWith(storeLayout.auditPrefix) && left > 0) {
        left -= 1;
        throw new DriftlessError('StoreUnavailable', `${key} putIfAbsent failed: 503`, { operation: 'putIfAbsent', key, status: 503 });
      }
      return store.putIfAbsent(key, body, opts);
    },
  });
}

/** The virtual clock's time; pauses are recorded and return at once (no waiting on MinIO's I/O). */
function recordingClock(): Clock & { sleeps: number[] } {
  const vc = new VirtualClock(Date.UTC(2026, 10, 22, 10));
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => vc.now(),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
}

const record = (actor: string, reason: string): Freeze => freezeSchema.parse({ apiVersion: 'driftless.dev/v1alpha1', kind: 'Freeze', actor, at: '2026-11-22T10:00:00.000Z', reason });

describe('freezeFleet / unfreezeFleet on MinIO: no change without its audit entry', () => {
  it('retries the fleet.frozen append with backoff when the first audit put fails', async () => {
    const real = s3Store();
    const store = failingAuditPuts(real, 1);
    const clock = recordingClock();
    const result = await freezeFleet({ store, clock, audit: createAuditLog({ store, clock }) }, record('alice', 'incident 42'));
    expect(result).toMatchObject({ created: true, repaired: false });
    expect(clock.sleeps).toHaveLength(1);
    const entries = await createAuditLog({ store: real, clock }).read();
    expect(entries).toMatchObject([{ seq: 1, actor: 'alice', action: 'fleet.frozen', reason: 'incident 42', data: { frozenAt: '2026-11-22T10:00:00.000Z' } }]);
  });

  it('fails with AuditAppendFailed when every retry fails; a rerun finds the freeze and writes its missing entry', async () => {
    const real = s3Store();
    const clock = recordingClock();
    const broken = failingAuditPuts(real, 100);
    await expect(freezeFleet({ store: broken, clock, audit: createAuditLog({ store: broken, clock }), appendAttempts: 3 }, record('alice', 'incident 42'))).rejects.toMatchObject({
      code: 'AuditAppendFailed',
      message: expect.stringMatching(/^audit entry fleet\.frozen append failed after 3 attempts: .*run the same command again/),
    });
    expect(await readFreeze(real)).toMatchObject({ actor: 'alice' });
    const rerun = await freezeFleet({ store: real, clock, audit: createAuditLog({ store: real, clock }) }, { ...record('bob', 'me too'), at: '2026-11-22T10:05:00.000Z' });
    expect(rerun).toMatchObject({ created: false, repaired: true, freeze: { actor: 'alice' } });
    // Once written, a third run finds it and writes nothing.
    expect(await freezeFleet({ store: real, clock, audit: createAuditLog({ store: real, clock }) }, record('carol', 'x'))).toMatchObject({ created: false, repaired: false });
    expect(await createAuditLog({ store: real, clock }).read()).toMatchObject([{ seq: 1, actor: 'alice', action: 'fleet.frozen', data: { recordedBy: 'bob' } }]);
  });

  it('an unfreeze whose entry was lost is audited by the next unfreeze', async () => {
    const real = s3Store();
    const clock = recordingClock();
    const audit = createAuditLog({ store: real, clock });
    await freezeFleet({ store: real, clock, audit }, record('alice', 'incident 42'));
    const broken = failingAuditPuts(real, 100);
    await expect(unfreezeFleet({ store: broken, clock, audit: createAuditLog({ store: broken, clock }), appendAttempts: 2 }, 'carol', 'resolved')).rejects.toMatchObject({ code: 'AuditAppendFailed' });
    expect(await readFreeze(real)).toBeUndefined();
    const rerun = await unfreezeFleet({ store: real, clock, audit: createAuditLog({ store: real, clock }) }, 'carol', 'resolved');
    expect(rerun).toEqual({ lifted: undefined, repaired: { actor: 'alice', at: '2026-11-22T10:00:00.000Z', reason: 'incident 42' } });
    expect(await unfreezeFleet({ store: real, clock, audit: createAuditLog({ store: real, clock }) }, 'carol', 'again')).toEqual({ lifted: undefined, repaired: undefined });
    expect((await createAuditLog({ store: real, clock }).read()).map((e) => `${e.action} ${e.actor}`)).toEqual(['fleet.frozen alice', 'fleet.unfrozen carol']);
  });
});

describe('freeze / unfreeze races on MinIO', () => {
  it('freeze that loses every race to a freeze lifted at once says so instead of "already frozen"', async () => {
    const real = s3Store();
    // Another operator's freeze is there at each put and gone at each read.
    const store = wrap(real, {
      putIfAbsent: async (key, body, opts) => (key === storeLayout.freeze ? { kind: 'exists' } : real.putIfAbsent(key, body, opts)),
    });
    await expect(freeze(store, record('alice', 'incident 42'))).rejects.toMatchObject({ code: 'FreezeConflict', message: expect.stringMatching(/the fleet is not frozen/) });
  });

  it('unfreeze deletes only the freeze it read, not a newer one written meanwhile', async () => {
    const real = s3Store();
    await freeze(real, record('alice', 'incident 42'));
    const newer = { ...record('bob', 'incident 43'), at: '2026-11-22T10:01:00.000Z' };
    let swapped = false;
    // Alice's freeze is lifted and bob's written just after this unfreeze read it.
    const store = wrap(real, {
      get: async (key, opts) => {
        const got = await real.get(key, opts);
        if (key === storeLayout.freeze && !swapped) {
          swapped = true;
          await real.delete(storeLayout.freeze);
          await freeze(real, newer);
        }
        return got;
      },
    });
    await expect(unfreeze(store)).rejects.toMatchObject({ code: 'FreezeConflict', message: expect.stringMatching(/replaced by one by bob/) });
    expect(await readFreeze(real)).toEqual(newer);
  });
});
