import type { ObjectStore } from '@driftless/core';
import type { ClusterStoreCounts } from './observed-store.js';

/**
 * Virtual time moves in windows of this many ms. Within a window the hub (on
 * the coordinator) and the clusters (on the shards) run without seeing each
 * other's writes; at its end the writes cross. So a pointer the hub writes is
 * seen by an agent up to one window later than on a single clock, and a status
 * by the hub likewise: 50 ms is well under the store's request latency tail
 * and 1/600 of the default 30 s interval (a poll that falls in that gap waits
 * one more interval: at most 0.2% of a commit's clusters), while 100,000
 * clusters cost about 20 windows per virtual second, each one message round
 * trip per thread.
 */
export const WINDOW_MS = 50;

/** The end of the window that holds `at` (epoch ms): windows are (kW, (k+1)W], as a clock fires every timer due up to its target. */
export const windowEnd = (at: number): number => Math.ceil(at / WINDOW_MS) * WINDOW_MS;

/** What a shard (a worker thread of the virtual fleet) is given when it starts. */
export interface ShardSetup {
  /** Its clusters, in fleet order: cluster `names[i]` is fleet-wide `firstIndex + i` (its seeds follow the index). */
  readonly names: readonly string[];
  readonly firstIndex: number;
  readonly seed: number;
  readonly intervalMs: number;
  readonly jitter: number;
  /** Where the shard's clock starts (the coordinator's clock at the start). */
  readonly epoch: number;
  /** The agents' heartbeat, ms (default the agent's). */
  readonly heartbeatMs?: number;
}

/** One store write crossing between the coordinator and a shard. */
export type StoreWrite = { readonly key: string; readonly body: Uint8Array } | { readonly key: string; readonly deleted: true };

/** The coordinator's order for one window. */
export interface ShardOrder {
  /** Advance the shard's clock to this epoch ms (the window's end). */
  readonly to: number;
  /** The hub's writes of the previous windows, in the order they completed: applied before the clock moves. */
  readonly writes: readonly StoreWrite[];
  /** Start the clusters' agents, at the window's start. */
  readonly start?: boolean;
  /** Stop them (each finishes the pass in flight); the reports say `stopped` once all have. */
  readonly stop?: boolean;
  /** From this window on, the Kubernetes API of these clusters of the shard refuses writes (the rollout bench's failing cluster). */
  readonly fail?: readonly string[];
}

/** A write one of the shard's clusters made, with when (epoch ms) and the shard's sequence number (ties). */
export interface ClusterWrite {
  readonly at: number;
  readonly seq: number;
  readonly write: StoreWrite;
}

/** What a shard answers for one window. */
export interface ShardReport {
  readonly writes: ClusterWrite[];
  /** Times of the clusters' store requests. */
  readonly requests: number[];
  readonly applied: [at: number, cluster: string, seq: number, digest: string][];
  /** Fetch-and-apply durations, ms. */
  readonly fetchApply: number[];
  readonly errors: [at: number, cluster: string, seq: number, message: string][];
  /** The shard's running totals. */
  readonly counts: ClusterStoreCounts;
  /** When its next timer is due (epoch ms); undefined when nothing waits. */
  readonly nextDue: number | undefined;
  /** Its agents were stopped and every one has finished. */
  readonly stopped: boolean;
}

/** Orders events of several shards the same way whatever their number: by time, then cluster (or key), then the shard's sequence. */
export function bySimulatedOrder<T extends readonly [number, string, number, ...unknown[]]>(a: T, b: T): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || a[2] - b[2];
}

/** The writes made through a store, kept until the next window takes them (the hub's, to forward to the shards). */
export class WriteLog {
  private writes: StoreWrite[] = [];

  /** `store` with every write that took effect logged here. */
  capture(store: ObjectStore): ObjectStore {
    return capturingStore(store, (write) => void this.writes.push(write));
  }

  /** The writes logged since the last call, in the order they completed. */
  drain(): StoreWrite[] {
    const writes = this.writes;
    this.writes = [];
    return writes;
  }
}

/**
 * `store` with `wrote(write)` called after each write that took effect (a put,
 * a put-if-absent that created, a delete), in the order they completed. Bodies
 * are copied to their own buffer, so what crosses a thread is the body alone.
 */
export function capturingStore(store: ObjectStore, wrote: (write: StoreWrite) => void): ObjectStore {
  return {
    get: (key, o) => store.get(key, o),
    head: (key, o) => store.head(key, o),
    list: (prefix, o) => store.list(prefix, o),
    async delete(key, o) {
      await store.delete(key, o);
      wrote({ key, deleted: true });
    },
    async putIfAbsent(key, body, o) {
      const created = await store.putIfAbsent(key, body, o);
      if (created.kind === 'created') wrote({ key, body: Uint8Array.from(body) });
      return created;
    },
    async put(key, body, o) {
      const written = await store.put(key, body, o);
      if (written.kind === 'written') wrote({ key, body: Uint8Array.from(body) });
      return written;
    },
  };
}

/** Applies forwarded writes to a store, in order (no latency: `store` is a replica or the authoritative copy, not a client's view). */
export async function applyWrites(store: ObjectStore, writes: Iterable<StoreWrite>): Promise<void> {
  for (const w of writes) {
    if ('deleted' in w) await store.delete(w.key);
    else await store.put(w.key, w.body);
  }
}
