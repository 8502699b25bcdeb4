import type { ObjectStore } from '@driftless/core';
import type { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import type { ClusterStoreCounts } from './observed-store.js';
import type { FleetRecorder } from './recorder.js';
import { workerLink, type ShardLink } from './shard-links.js';
import { applyWrites, bySimulatedOrder, WINDOW_MS, windowEnd, type ClusterWrite, type ShardOrder, type ShardReport, type ShardSetup, type StoreWrite, WriteLog } from './shard-protocol.js';

export interface VirtualFleetOptions {
  /** The coordinator's clock: the hub (and a rollout controller) run on it. */
  readonly clock: VirtualClock;
  /** The authoritative store: the hub's writes land here first, the clusters' at the end of each window. */
  readonly store: MemoryObjectStore;
  readonly recorder: FleetRecorder;
  readonly names: readonly string[];
  readonly seed: number;
  readonly intervalMs: number;
  readonly jitter: number;
  /** The agents' heartbeat, ms (default the agent's). */
  readonly heartbeatMs?: number;
  /** Where the hub's writes are logged (a rig that builds the hub's store before the fleet); default a log of the fleet's own, see hubStore. */
  readonly hubWrites?: WriteLog;
  /** Called with each write of a cluster as it is applied to the store, in the order applied, with its virtual time. */
  readonly onClusterWrite?: (at: number, write: StoreWrite) => void;
  /** Shards to spread the clusters over (at most one per cluster). */
  readonly threads: number;
  /** How to reach each shard. Default: a worker thread each (workerLink); inProcessLink runs them on this thread (tests), with the same windows and results. */
  readonly connect?: (setup: ShardSetup, index: number) => ShardLink;
}

const CLUSTER_KEY = /^clusters\/([^/]+)\//;
const byKey = (a: ClusterWrite, b: ClusterWrite): number => a.at - b.at || (a.write.key < b.write.key ? -1 : a.write.key > b.write.key ? 1 : 0) || a.seq - b.seq;
/** Lets every pending microtask of this thread run (as VirtualClock.advance does before it looks at its timers). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The coordinator of a virtual fleet spread over shards (worker threads, each
 * with its own clock, agents and store replica), moving them in lockstep
 * windows of WINDOW_MS virtual ms: each window, every shard gets the hub's
 * writes of the windows before and advances to the window's end while the
 * coordinator's own clock does the same; then the clusters' writes are applied
 * to the authoritative store and their events fed to the recorder, both sorted
 * by virtual time, cluster (or key) and sequence. Windows in which no clock
 * has a timer due are skipped. What a run records depends on the seed only,
 * never on the number of threads.
 */
export class VirtualFleet {
  readonly threads: number;
  /** The store as the hub writes it (before its latency model): every write is forwarded to the shards that read it. */
  readonly hubStore: ObjectStore;
  private readonly links: ShardLink[] = [];
  private readonly owner = new Map<string, number>();
  private readonly hubWrites: WriteLog;
  private readonly reports: (ShardReport | undefined)[];
  private startPending = false;
  private stopPending = false;
  private failPending: string[] = [];
  private stopping: { promise: Promise<void>; resolve(): void } | undefined;
  private failed = false;
  private closed = false;

  constructor(private readonly opts: VirtualFleetOptions) {
    const names = opts.names;
    this.threads = Math.max(1, Math.min(opts.threads, names.length));
    const per = Math.ceil(names.length / this.threads);
    for (let s = 0; s < this.threads; s++) {
      const setup: ShardSetup = {
        names: names.slice(s * per, (s + 1) * per),
        firstIndex: s * per,
        seed: opts.seed,
        intervalMs: opts.intervalMs,
        jitter: opts.jitter,
        epoch: opts.clock.now(),
        ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
      };
      this.links.push((opts.connect ?? workerLink)(setup, s));
      for (const name of setup.names) this.owner.set(name, s);
    }
    this.reports = this.links.map(() => undefined);
    this.hubWrites = opts.hubWrites ?? new WriteLog();
    this.hubStore = this.hubWrites.capture(opts.store);
  }

  /** Starts the clusters' agents at the next window. */
  start(): void {
    this.startPending = true;
  }

  /** From the next window on, `cluster`'s Kubernetes API refuses writes. */
  fail(cluster: string): void {
    this.failPending.push(cluster);
  }

  /** Runs windows until `done()` holds at a window's end, or the coordinator's clock reached `untilMs`. */
  async runUntil(untilMs: number, done?: () => boolean): Promise<void> {
    for (;;) {
      // Work the caller started (a publish's compile) registers its first timer before the next window is chosen.
      await settle();
      if (done?.() || this.opts.clock.now() >= untilMs) return;
      await this.window(this.nextEnd(untilMs));
    }
  }

  /** Stops every cluster (each finishes its pass in flight, in virtual time) and ends the threads; safe to call more than once. */
  async stop(): Promise<void> {
    try {
      const stopped = this.requestStop();
      let done = false;
      void stopped.then(() => (done = true));
      if (!this.failed && !this.closed) await this.runUntil(Number.MAX_SAFE_INTEGER, () => done);
    } finally {
      await this.close();
    }
  }

  /**
   * Asks every shard to stop its clusters at the next window; resolves once all
   * have finished (someone must run the windows meanwhile: see stop()).
   */
  requestStop(): Promise<void> {
    if (!this.stopping) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.stopping = { promise, resolve };
      this.stopPending = true;
    }
    return this.stopping.promise;
  }

  /** Ends the threads (their clusters with them); safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.links.map((link) => link.close()));
  }

  /** The clusters' store requests so far, summed over the shards (as of the last window). */
  counts(): ClusterStoreCounts {
    const sum: ClusterStoreCounts = { get200: 0, get304: 0, get404: 0, put: 0, list: 0, bytesDown: 0, polls: 0 };
    for (const r of this.reports) if (r) for (const k of Object.keys(sum) as (keyof ClusterStoreCounts)[]) sum[k] += r.counts[k];
    return sum;
  }

  /** The end of the next window in which some clock has a timer due (or a start or stop must be delivered), at most `untilMs`. */
  private nextEnd(untilMs: number): number {
    const now = this.opts.clock.now();
    if (this.startPending || this.stopPending || this.failPending.length > 0) return Math.min(untilMs, Math.floor(now / WINDOW_MS) * WINDOW_MS + WINDOW_MS);
    let next = this.opts.clock.nextDue();
    for (const r of this.reports) if (r?.nextDue !== undefined && (next === undefined || r.nextDue < next)) next = r.nextDue;
    return next === undefined ? untilMs : Math.min(untilMs, windowEnd(next));
  }

  private async window(to: number): Promise<void> {
    const orders = this.orders(to);
    const steps = Promise.all(this.links.map((link, s) => link.step(orders[s] as ShardOrder)));
    // Handled below, after the coordinator's own window: a failing shard must not go unobserved meanwhile.
    steps.catch(() => (this.failed = true));
    await this.opts.clock.advance(to);
    const reports = await steps;
    reports.forEach((r, s) => (this.reports[s] = r));
    await this.absorb(reports);
    if (reports.every((r) => r.stopped)) this.stopping?.resolve();
  }

  /** Each shard's order: the hub's writes of the clusters it owns, and every other write (blobs, fleet-wide documents). */
  private orders(to: number): ShardOrder[] {
    const writes: StoreWrite[][] = this.links.map(() => []);
    for (const w of this.hubWrites.drain()) {
      const s = this.ownerOf(w.key);
      if (s === undefined) for (const list of writes) list.push(w);
      else writes[s]?.push(w);
    }
    const fail: string[][] = this.links.map(() => []);
    for (const cluster of this.failPending) fail[this.owner.get(cluster) ?? -1]?.push(cluster);
    this.failPending = [];
    const flags = { ...(this.startPending ? { start: true } : {}), ...(this.stopPending ? { stop: true } : {}) };
    this.startPending = false;
    return writes.map((w, s) => ({ to, writes: w, ...flags, ...(fail[s]?.length ? { fail: fail[s] } : {}) }));
  }

  /** The shard whose cluster a key belongs to (`clusters/<name>/...`); undefined for every other key. */
  private ownerOf(key: string): number | undefined {
    const name = CLUSTER_KEY.exec(key)?.[1];
    return name === undefined ? undefined : this.owner.get(name);
  }

  /** The shards' window, in an order that does not depend on how the clusters were split. */
  private async absorb(reports: readonly ShardReport[]): Promise<void> {
    const { recorder, store } = this.opts;
    const writes = reports.flatMap((r) => r.writes).sort(byKey);
    await applyWrites(store, writes.map((w) => w.write));
    if (this.opts.onClusterWrite) for (const w of writes) this.opts.onClusterWrite(w.at, w.write);
    for (const r of reports) for (const at of r.requests) recorder.request('store', at);
    for (const [at, cluster, , digest] of reports.flatMap((r) => r.applied).sort(bySimulatedOrder)) recorder.applied(cluster, digest, at);
    for (const ms of reports.flatMap((r) => r.fetchApply).sort((a, b) => a - b)) recorder.fetchedAndApplied(ms);
    for (const [, cluster, , message] of reports.flatMap((r) => r.errors).sort(bySimulatedOrder)) recorder.error(cluster, message);
  }
}
