import type { Clock, GetOptions, ObjectStore } from '@driftless/core';
import { systemClock } from '@driftless/clock';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { createS3Store } from '@driftless/store/s3';
import { s3StoreFor, startEnvironment } from '@driftless/testkit';
import { hubLatencyRng, latency, VIRTUAL_EPOCH } from './latency-model.js';
import { waitUntil } from './real-driver.js';
import type { RolloutFleet, RolloutFleetOptions } from './rollout-fleet.js';
import type { WorkerS3 } from './worker-pool.js';

/** Where a rollout bench runs: the clock, the store, and how the run waits on them. */
export interface RolloutRig {
  readonly clock: Clock;
  /** The store as the hub and the rollout controller use it. */
  readonly store: ObjectStore;
  /** The same store as the simulated clusters use it (real mode: their own client and socket pool, as in the fleet bench's workers). */
  readonly clusterStore: ObjectStore;
  /** Real mode: the worker threads the simulated clusters run in, and the S3 store each opens. */
  readonly workers?: { readonly count: number; readonly s3: WorkerS3 };
  /** Virtual mode on worker threads (shardedRig): the fleet is started here, on the rig's shards, not by startRolloutFleet itself. */
  readonly shards?: { readonly threads: number; start(opts: RolloutFleetOptions): RolloutFleet };
  /** Latency of each simulated cluster's Kubernetes API (virtual mode's model; none in real mode). */
  readonly kubeLatency?: () => Promise<void>;
  /** Lets the run go on until `promise` settles (virtual mode advances the clock meanwhile). */
  settle<T>(promise: Promise<T>): Promise<T>;
  /**
   * Lets the run go on until `untilMs` of the clock or until `done()` holds;
   * `done` is checked when `changed` calls back (real mode) or at every
   * instant (virtual mode).
   */
  runUntil(untilMs: number, done: () => boolean, changed: (fn: () => void) => () => void): Promise<void>;
  stop(): Promise<void>;
}

/** Virtual time: the in-memory store with the latency model (store 4 ms + 6 ms mean, Kubernetes API 2 ms + 3 ms). */
export function virtualRig(seed: number): RolloutRig {
  const clock = new VirtualClock(VIRTUAL_EPOCH);
  // One stream for the hub and every cluster: fine on one thread (shardedRig gives each cluster its own).
  const rng = hubLatencyRng(seed);
  const store = new MemoryObjectStore({ latency: latency(clock, rng, 4, 6), clock });
  return {
    clock,
    store,
    clusterStore: store,
    kubeLatency: latency(clock, rng, 2, 3),
    async settle(promise) {
      let done = false;
      const watched = promise.finally(() => (done = true));
      await clock.advance(Number.MAX_SAFE_INTEGER, () => done);
      return await watched;
    },
    runUntil: (untilMs, done) => clock.advance(untilMs, done).then(() => undefined),
    stop: () => Promise.resolve(),
  };
}

/**
 * Real time: real MinIO (with the rest of testkit's environment, as the fleet
 * bench's real mode) and the wall clock; the simulated clusters in `workers`
 * threads (0: on the main thread).
 */
export async function realRig(workers: number, log: (line: string) => void): Promise<RolloutRig> {
  const env = await startEnvironment({ log });
  const prefix = `bench-rollout-${Date.now()}`;
  const { s3 } = env.info;
  // Thousands of simulated agents must not queue for the hub's few sockets, as no real agent would.
  const where: WorkerS3 = { bucket: s3.bucket, prefix, endpoint: s3.endpoint, region: s3.region, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } };
  const clusterStore = createS3Store({ ...where, maxSockets: 1024, requestTimeoutMs: 60_000 });
  return {
    clock: systemClock,
    store: s3StoreFor(env.info, prefix),
    clusterStore,
    ...(workers > 0 ? { workers: { count: workers, s3: where } } : {}),
    settle: (promise) => promise,
    runUntil: waitUntil,
    stop: () => env.stop(),
  };
}

/**
 * The store as the simulated clusters write it, watching one cluster's
 * status: `onFailing` is called at the first write of a Degraded or Failed
 * status of `cluster` after `arm()`.
 */
export function failureWatch(inner: ObjectStore, clock: Clock, cluster: string): { store: ObjectStore; arm(): void; readonly failingAt: number | undefined } {
  const key = `clusters/${cluster}/status.json`;
  let armed = false;
  let failingAt: number | undefined;
  const store: ObjectStore = {
    get: (k: string, o?: GetOptions) => inner.get(k, o),
    head: (k, o) => inner.head(k, o),
    list: (p, o) => inner.list(p, o),
    delete: (k, o) => inner.delete(k, o),
    putIfAbsent: (k, b, o) => inner.putIfAbsent(k, b, o),
    async put(k, body, o) {
      const written = await inner.put(k, body, o);
      if (armed && failingAt === undefined && k === key) {
        const phase = (JSON.parse(new TextDecoder().decode(body)) as { phase?: string }).phase;
        if (phase === 'Degraded' || phase === 'Failed') failingAt = clock.now();
      }
      return written;
    },
  };
  return {
    store,
    arm: () => void (armed = true),
    get failingAt() {
      return failingAt;
    },
  };
}
