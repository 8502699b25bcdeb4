import type { KeyObject } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createAgent } from '@driftless/agent';
import { seededRng, type Clock, type KubeObjectRef, type KubeTarget, type ObjectStore, type Rng } from '@driftless/core';
import { MemoryKubeTarget, StringPool } from '@driftless/fakes';

/** A running set of simulated clusters. */
export interface SimulatedFleet {
  /** Stops every cluster's loop and waits for each to finish its pass. */
  stop(): Promise<void>;
}

export interface BundleFleetOptions {
  readonly names: readonly string[];
  /** The fleet-wide index of `names[0]` (a worker thread's share starts past 0): seeds follow the index. */
  readonly firstIndex?: number;
  readonly clock: Clock;
  readonly seed: number;
  /** The store as the clusters see it (see observedStore). */
  readonly store: ObjectStore;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly heartbeatMs?: number;
  /** The keys every cluster verifies pointers with (see benchSigningKeys); empty only with `insecureSkipVerify`. */
  readonly verifyKeys: readonly KeyObject[];
  /** Run the agents without verifying pointers (the demo and bench sign, so only a caller that cannot uses it). */
  readonly insecureSkipVerify?: boolean;
  /** Latency of the in-memory Kubernetes API, per request (a fake clock's sleep in virtual runs). */
  readonly kubeLatency?: (op: string, ref: KubeObjectRef) => Promise<void>;
  /**
   * A fault to inject: called before each Kubernetes write (apply, delete) of
   * `cluster`; an Error returned fails that request, as a refusing API server
   * would (the rollout bench's failing cluster).
   */
  readonly kubeFault?: (cluster: string) => Error | undefined;
  /**
   * Wraps a cluster's in-memory Kubernetes API before its agent gets it (the
   * previews bench watches a host's Namespaces after each request). Default: none.
   */
  readonly wrapKube?: (cluster: string, kube: MemoryKubeTarget) => KubeTarget;
  /**
   * Gives cluster `index` (fleet-wide) its own store and Kubernetes latency,
   * in place of `store` and `kubeLatency` (a virtual shard: one latency
   * stream per cluster). Default: every cluster shares `store` and `kubeLatency`.
   */
  readonly clusterIo?: (cluster: string, index: number) => ClusterIo;
  /** Called with every error an agent logs (a failed poll, a refused bundle, a failed status write). */
  readonly onError?: (cluster: string, message: string) => void;
}

/** What one simulated cluster talks to (see BundleFleetOptions.clusterIo). */
export interface ClusterIo {
  readonly store: ObjectStore;
  readonly kubeLatency?: (op: string, ref: KubeObjectRef) => Promise<void>;
}

/** The seed of cluster `i`'s Rng: spread out, so neighbouring clusters do not draw related sequences. */
export const clusterSeed = (seed: number, i: number): number => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;

/**
 * Bundle mode: each simulated cluster is the real agent (`createAgent`) with
 * its own seeded Rng and an in-memory Kubernetes API whose workloads become
 * ready as soon as they are applied (as if a controller-manager ran). Clusters
 * start spread uniformly over one interval, like a fleet that has been running
 * for a while, then poll with the agent's own jitter.
 */
export function startBundleFleet(opts: BundleFleetOptions): SimulatedFleet {
  const stop = new AbortController();
  // Every cluster's sleep listens to this one signal.
  setMaxListeners(0, stop.signal);
  // The clusters store the same objects, mostly byte for byte: one copy of each string for all of them.
  const strings = new StringPool();
  const runs = opts.names.map(async (cluster, i) => {
    const index = (opts.firstIndex ?? 0) + i;
    const rng: Rng = seededRng(clusterSeed(opts.seed, index));
    const io: ClusterIo = opts.clusterIo?.(cluster, index) ?? { store: opts.store, ...(opts.kubeLatency ? { kubeLatency: opts.kubeLatency } : {}) };
    const kube = new MemoryKubeTarget({ clock: opts.clock, controllers: 'instant', strings, ...kubeLatencyOf(opts, io, cluster) });
    const agent = createAgent({
      clock: opts.clock,
      rng,
      store: io.store,
      kube: opts.wrapKube ? opts.wrapKube(cluster, kube) : kube,
      ...(opts.onError ? { log: (e: Record<string, unknown>) => void (e['level'] === 'error' && opts.onError?.(cluster, `${String(e['msg'])}: ${String(e['error'])}`)) } : {}),
      config: {
        cluster,
        intervalMs: opts.intervalMs,
        jitter: opts.jitter,
        verifyKeys: opts.verifyKeys,
        ...(opts.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
        ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
      },
    });
    await opts.clock.sleep(Math.floor(rng.next() * opts.intervalMs), stop.signal);
    await agent.run(stop.signal);
  }).map((run, i) =>
    // The agent loop only throws on a broken invariant: report it and let the other clusters run.
    run.catch((err: unknown) => opts.onError?.(opts.names[i] ?? '?', `agent loop stopped: ${(err as Error).message}`)),
  );
  return {
    async stop() {
      stop.abort();
      await Promise.all(runs);
    },
  };
}

/** The in-memory Kubernetes API's latency option for `cluster`: the model's latency, then the injected fault on writes. */
function kubeLatencyOf(opts: BundleFleetOptions, io: ClusterIo, cluster: string): { latency?: (op: string, ref: KubeObjectRef) => Promise<void> } {
  const { kubeFault } = opts;
  const { kubeLatency } = io;
  if (!kubeFault) return kubeLatency ? { latency: kubeLatency } : {};
  return {
    latency: async (op, ref) => {
      await kubeLatency?.(op, ref);
      const fault = op === 'apply' || op === 'delete' ? kubeFault(cluster) : undefined;
      if (fault) throw fault;
    },
  };
}
