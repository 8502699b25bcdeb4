import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { benchSigningKeys } from './bench-keys.js';
import { startBundleFleet, type SimulatedFleet } from './bundle-fleet.js';
import { clusterLatencies, clusterLatencyRng, delayedStore } from './latency-model.js';
import { clusterObserver, type ClusterEvents } from './observed-store.js';
import { applyWrites, capturingStore, type ShardOrder, type ShardReport, type ShardSetup } from './shard-protocol.js';

/** One shard of the virtual fleet: what a worker thread runs (virtual-shard-entry.ts), callable in-process too. */
export interface VirtualShard {
  /** Runs one window: applies the hub's writes, starts or stops the agents if told, advances to `order.to`, and reports. */
  step(order: ShardOrder): Promise<ShardReport>;
}

type Pending = { -readonly [K in keyof Omit<ShardReport, 'counts' | 'nextDue' | 'stopped'>]: ShardReport[K] };
const empty = (): Pending => ({ writes: [], requests: [], applied: [], fetchApply: [], errors: [] });

/**
 * A shard: its clusters' agents on its own VirtualClock, each with its own
 * in-memory Kubernetes API (one StringPool for the shard) and its own latency
 * stream, against a replica of the store that holds what the coordinator
 * forwarded (the hub's writes) and what the shard's clusters wrote. Nothing a
 * cluster does depends on another cluster of the shard, so the split over
 * shards does not change what happens: only when it is reported.
 */
export function createVirtualShard(setup: ShardSetup): VirtualShard {
  const clock = new VirtualClock(setup.epoch);
  const replica = new MemoryObjectStore({ clock });
  // Ties in time are broken by this counter; only events of one cluster ever compare by it.
  let seq = 0;
  let out = empty();
  const events: ClusterEvents = {
    request: (_to, at) => void out.requests.push(at),
    applied: (cluster, digest, at) => void out.applied.push([at, cluster, seq++, digest]),
    fetchedAndApplied: (ms) => void out.fetchApply.push(ms),
  };
  const observer = clusterObserver(clock, events);
  const outbound = capturingStore(replica, (write) => void out.writes.push({ at: clock.now(), seq: seq++, write }));
  const verifyKeys = [benchSigningKeys(setup.seed).publicKey];
  let fleet: SimulatedFleet | undefined;
  let stopping = false;
  let stopped = false;
  const failing = new Set<string>();

  const start = (): SimulatedFleet =>
    startBundleFleet({
      names: setup.names,
      firstIndex: setup.firstIndex,
      clock,
      seed: setup.seed,
      store: outbound,
      intervalMs: setup.intervalMs,
      jitter: setup.jitter,
      verifyKeys,
      ...(setup.heartbeatMs !== undefined ? { heartbeatMs: setup.heartbeatMs } : {}),
      kubeFault: (cluster) => (failing.has(cluster) ? new Error('bench: injected failure: the API server refuses writes') : undefined),
      clusterIo: (_cluster, index) => {
        const latencies = clusterLatencies(clock, clusterLatencyRng(setup.seed, index));
        return { store: observer.observe(delayedStore(outbound, latencies.store)), kubeLatency: latencies.kube };
      },
      onError: (cluster, message) => void out.errors.push([clock.now(), cluster, seq++, message]),
    });

  return {
    async step(order) {
      await applyWrites(replica, order.writes);
      for (const cluster of order.fail ?? []) failing.add(cluster);
      if (order.start && !fleet && !stopping) fleet = start();
      if (order.stop && !stopping) {
        stopping = true;
        // Aborted sleepers wake at once; a pass in flight still needs its latencies to elapse (stop never rejects).
        if (fleet) void fleet.stop().then(() => (stopped = true));
        else stopped = true;
        fleet = undefined;
      }
      await clock.advance(order.to);
      const report: ShardReport = { ...out, counts: { ...observer.counts }, nextDue: clock.nextDue(), stopped };
      out = empty();
      return report;
    },
  };
}
