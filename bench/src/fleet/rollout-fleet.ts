import type { KeyObject } from 'node:crypto';
import { clusterName } from '@driftless/testkit';
import { startBundleFleet } from './bundle-fleet.js';
import { observedStore } from './observed-store.js';
import type { FleetRecorder } from './recorder.js';
import { failureWatch, type RolloutRig } from './rollout-rig.js';
import { startWorkerPool } from './worker-pool.js';

/** The simulated clusters of a rollout bench, with the one that fails on demand. */
export interface RolloutFleet {
  /** From now on the failing cluster's Kubernetes API refuses writes; its first Degraded or Failed status is timed. */
  fail(): void;
  /** When the failing cluster's first Degraded or Failed status was written after fail(), on the run's clock. */
  readonly failingAt: number | undefined;
  /** Status writes of every cluster so far. */
  statusWrites(): number;
  stop(): Promise<void>;
}

export interface RolloutFleetOptions {
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  readonly heartbeatMs?: number;
  readonly verifyKey: KeyObject;
  readonly recorder: FleetRecorder;
  /** The cluster whose API fails on fail(). */
  readonly failing: string;
}

/**
 * Starts the real agents of the fleet over the in-memory Kubernetes API. In
 * virtual mode all run on the one thread; in real mode every cluster but the
 * failing one runs in the rig's worker threads (as the fleet bench's real
 * mode: so that the rollout controller's step does not share an event loop
 * with thousands of agents), and the failing one here, where its fault is armed.
 */
export function startRolloutFleet(rig: RolloutRig, opts: RolloutFleetOptions): RolloutFleet {
  if (rig.shards) return rig.shards.start(opts);
  const { clock } = rig;
  const { recorder } = opts;
  const watch = failureWatch(rig.clusterStore, clock, opts.failing);
  const observed = observedStore(watch.store, clock, recorder);
  let failing = false;
  const names = Array.from({ length: opts.clusters }, (_, i) => clusterName(i));
  const here = rig.workers ? [opts.failing] : names;
  const local = startBundleFleet({
    names: here,
    clock,
    seed: opts.seed,
    store: observed.store,
    intervalMs: opts.intervalMs,
    jitter: opts.jitter,
    verifyKeys: [opts.verifyKey],
    ...(rig.kubeLatency ? { kubeLatency: rig.kubeLatency } : {}),
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    kubeFault: (cluster) => (failing && cluster === opts.failing ? new Error('bench: injected failure: the API server refuses writes') : undefined),
    onError: (cluster, message) => recorder.error(cluster, message),
  });
  const pool = rig.workers
    ? startWorkerPool({
        mode: 'bundle',
        workers: rig.workers.count,
        s3: rig.workers.s3,
        recorder,
        names: names.filter((n) => n !== opts.failing),
        seed: opts.seed,
        intervalMs: opts.intervalMs,
        jitter: opts.jitter,
      })
    : undefined;
  return {
    fail() {
      failing = true;
      watch.arm();
    },
    get failingAt() {
      return watch.failingAt;
    },
    statusWrites: () => observed.counts.put + (pool?.counts().put ?? 0),
    async stop() {
      await Promise.all([local.stop(), pool?.stop()]);
    },
  };
}
