import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { VIRTUAL_EPOCH as E } from './latency-model.js';
import type { ClusterStoreCounts } from './observed-store.js';
import { FleetRecorder } from './recorder.js';
import type { ShardLink } from './shard-links.js';
import type { ShardOrder, ShardReport } from './shard-protocol.js';
import { VirtualFleet } from './virtual-fleet.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const zero: ClusterStoreCounts = { get200: 0, get304: 0, get404: 0, put: 0, list: 0, bytesDown: 0, polls: 0 };

/** A shard that records its orders and answers each with the next scripted report (then an idle one). */
function scriptedShard(script: Partial<ShardReport>[] = []): ShardLink & { orders: ShardOrder[]; closed: boolean } {
  const link = {
    orders: [] as ShardOrder[],
    closed: false,
    step(order: ShardOrder): Promise<ShardReport> {
      link.orders.push(order);
      const next = script.shift() ?? {};
      return Promise.resolve({ writes: [], requests: [], applied: [], fetchApply: [], errors: [], counts: zero, nextDue: undefined, stopped: order.stop === true, ...next });
    },
    close(): Promise<void> {
      link.closed = true;
      return Promise.resolve();
    },
  };
  return link;
}

function rig(shards: ReturnType<typeof scriptedShard>[]): { clock: VirtualClock; store: MemoryObjectStore; recorder: FleetRecorder; fleet: VirtualFleet } {
  const clock = new VirtualClock(E);
  const store = new MemoryObjectStore({ clock });
  const recorder = new FleetRecorder(E, 1_000, { trace: true });
  const names = shards.map((_, i) => `c-0000${i}`);
  const fleet = new VirtualFleet({ clock, store, recorder, names, seed: 1, intervalMs: 1_000, jitter: 0, threads: shards.length, connect: (_setup, i) => shards[i] as ShardLink });
  return { clock, store, recorder, fleet };
}

describe('VirtualFleet: the coordinator of the shards, window by window', () => {
  it("hands a hub write made during a window to the shards only with the next window's order, a cluster's to its own shard alone", async () => {
    // Shard 0's clusters have nothing due until E+1234: the windows in between are skipped, on the 50 ms grid.
    const shards = [scriptedShard([{ nextDue: E + 1_234 }]), scriptedShard()];
    const { clock, fleet } = rig(shards);
    void clock.sleep(20).then(async () => {
      await fleet.hubStore.putIfAbsent('blobs/sha256/ab', bytes('bundle'));
      await fleet.hubStore.put('clusters/c-00001/desired.json', bytes('pointer'));
    });
    await fleet.runUntil(E + 2_000);
    const blob = { key: 'blobs/sha256/ab', body: bytes('bundle') };
    const pointer = { key: 'clusters/c-00001/desired.json', body: bytes('pointer') };
    expect(shards[0]?.orders).toEqual([
      { to: E + 50, writes: [] },
      { to: E + 1_250, writes: [blob] },
      { to: E + 2_000, writes: [] },
    ]);
    expect(shards[1]?.orders).toEqual([
      { to: E + 50, writes: [] },
      { to: E + 1_250, writes: [blob, pointer] },
      { to: E + 2_000, writes: [] },
    ]);
    expect(clock.now()).toBe(E + 2_000);
  });

  it("applies the shards' writes and feeds their events in virtual-time order, whichever shard reported them, then sums their counts", async () => {
    const status = (cluster: string, body: string, at: number, seq: number) => ({ at, seq, write: { key: `clusters/${cluster}/status.json`, body: bytes(body) } });
    const shards = [
      scriptedShard([{ writes: [status('c-00000', 'a', E + 30, 7)], applied: [[E + 30, 'c-00000', 8, 'sha256:a']], requests: [E + 30], counts: { ...zero, put: 1 } }]),
      scriptedShard([
        {
          writes: [status('c-00001', 'c', E + 30, 1), status('c-00001', 'b', E + 10, 0)],
          applied: [
            [E + 30, 'c-00001', 2, 'sha256:c'],
            [E + 10, 'c-00001', 0, 'sha256:b'],
          ],
          errors: [[E + 5, 'c-00001', 3, 'c-00001 poll failed']],
          counts: { ...zero, put: 2, get404: 1 },
        },
      ]),
    ];
    const { store, recorder, fleet } = rig(shards);
    fleet.start();
    await fleet.runUntil(E + 50);
    expect(shards.map((s) => s.orders)).toEqual([[{ to: E + 50, writes: [], start: true }], [{ to: E + 50, writes: [], start: true }]]);
    expect(recorder.trace).toEqual([
      { at: 10, what: 'applied', cluster: 'c-00001', digest: 'sha256:b' },
      { at: 30, what: 'applied', cluster: 'c-00000', digest: 'sha256:a' },
      { at: 30, what: 'applied', cluster: 'c-00001', digest: 'sha256:c' },
    ]);
    const read = async (key: string): Promise<string> => {
      const got = await store.get(key);
      return got.kind === 'found' ? new TextDecoder().decode(got.body) : got.kind;
    };
    expect([await read('clusters/c-00000/status.json'), await read('clusters/c-00001/status.json')]).toEqual(['a', 'c']);
    expect(recorder.errorSummary()).toEqual({ total: 1, top: [{ message: '<cluster> poll failed', count: 1 }] });
    expect(fleet.counts()).toEqual({ ...zero, put: 3, get404: 1 });
  });

  it('stops by running windows until every shard says its clusters finished, then ends the threads', async () => {
    const shards = [scriptedShard([{ stopped: false, nextDue: E + 70 }, { stopped: false, nextDue: E + 120 }]), scriptedShard()];
    const { fleet } = rig(shards);
    fleet.start();
    await fleet.runUntil(E + 50);
    await fleet.stop();
    expect(shards[0]?.orders.map((o) => [o.to, o.stop ?? false])).toEqual([
      [E + 50, false],
      [E + 100, true],
      [E + 150, true],
    ]);
    expect(shards.every((s) => s.closed)).toBe(true);
    await fleet.stop();
    expect(shards[0]?.orders).toHaveLength(3);
  });

  it("arms a cluster's fault with a message to its own shard at the next window, and tells the caller of each cluster write as it applies it", async () => {
    const shards = [scriptedShard(), scriptedShard([{}, { writes: [{ at: E + 60, seq: 0, write: { key: 'clusters/c-00001/status.json', body: bytes('Degraded') } }] }])];
    const seen: [number, string][] = [];
    const clock = new VirtualClock(E);
    const fleet = new VirtualFleet({
      clock,
      store: new MemoryObjectStore({ clock }),
      recorder: new FleetRecorder(E, 1_000),
      names: ['c-00000', 'c-00001'],
      seed: 1,
      intervalMs: 1_000,
      jitter: 0,
      threads: 2,
      connect: (_setup, i) => shards[i] as ShardLink,
      onClusterWrite: (at, write) => void seen.push([at, write.key]),
    });
    fleet.start();
    await fleet.runUntil(E + 50);
    fleet.fail('c-00001');
    await fleet.runUntil(E + 100);
    expect(shards.map((s) => s.orders.map((o) => o.fail))).toEqual([
      [undefined, undefined],
      [undefined, ['c-00001']],
    ]);
    expect(seen).toEqual([[E + 60, 'clusters/c-00001/status.json']]);
  });
});
