import { isDriftlessError } from '@driftless/core';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { quietLog } from '../hub-log.js';
import { digestOf, revisionOf } from '../testing/rollout-fixture.js';
import { pointedDigests } from '../testing/store-reads.js';
import { moveRolloutPointers } from './rollout-moves.js';

describe('moveRolloutPointers', () => {
  it('stops a batch once the rollout it came from changed, so a slow holder cannot move pointers back for long', async () => {
    const store = new MemoryObjectStore();
    const v1 = digestOf('1');
    let checks = 0;
    // The rollout is current for the first check only: another writer changes it after the first write.
    const stillCurrent = () => Promise.resolve(++checks === 1);
    const moves = ['a', 'b', 'c'].map((cluster) => ({ cluster, digest: v1, reason: 'wave' as const }));
    const deps = { store, clock: new VirtualClock(Date.UTC(2026, 0, 1)), newId: () => 'id', log: quietLog, stillCurrent, recheckEvery: 1 };
    const err: unknown = await moveRolloutPointers(deps, revisionOf('1'), moves).catch((e: unknown) => e);
    expect(isDriftlessError(err, 'RolloutConflict')).toBe(true);
    const pointed = await pointedDigests(store, ['a', 'b', 'c']);
    expect(Object.values(pointed).filter((d) => d === v1).length).toBeLessThan(3);
  });

  it('moves every pointer while the rollout stays as read', async () => {
    const store = new MemoryObjectStore();
    const v1 = digestOf('1');
    const moves = ['a', 'b', 'c'].map((cluster) => ({ cluster, digest: v1, reason: 'wave' as const }));
    const deps = { store, clock: new VirtualClock(Date.UTC(2026, 0, 1)), newId: () => 'id', log: quietLog, stillCurrent: () => Promise.resolve(true), recheckEvery: 1 };
    expect((await moveRolloutPointers(deps, revisionOf('1'), moves)).filter((o) => o.wrote)).toHaveLength(3);
    // Per pointer a read and a write; the marker read and written once; flags/overrides.json read
    // before the moves (absent: no bundle is read or rewritten) and after them (a flag set meanwhile).
    expect(store.counters).toMatchObject({ get200: 0, get404: 3 + 1 + 2, get304: 0, put: 3 + 1, head: 0, list: 0 });
    expect(await pointedDigests(store, ['a', 'b', 'c'])).toEqual({ a: v1, b: v1, c: v1 });
  });
});
