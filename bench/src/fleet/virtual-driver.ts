import { seededRng, type Rng } from '@driftless/core';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { clusterName, type FleetScenario } from '@driftless/testkit';
import { benchSigningKeys } from './bench-keys.js';
import { startBundleFleet, type SimulatedFleet } from './bundle-fleet.js';
import { observedStore, storeRequests, storeTotals } from './observed-store.js';
import { FleetRecorder } from './recorder.js';
import type { DriverCounts, ScenarioDriver } from './scenario.js';
import { virtualHub } from './virtual-hub.js';

export interface VirtualDriverOptions {
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  readonly apps: number;
  readonly scenario: FleetScenario;
  /** Keep every publish and apply event (the determinism check). */
  readonly trace?: boolean;
}

/** Where virtual time starts: fixed, so that documents carrying times are the same in every run. */
const EPOCH = Date.UTC(2026, 0, 1);

/**
 * Latency model: a fixed floor plus an exponential tail (mean `tailMs`),
 * drawn from the run's seeded Rng: store requests 4 ms + 6 ms mean, Kubernetes
 * API requests 2 ms + 3 ms mean.
 */
function latency(clock: VirtualClock, rng: Rng, floorMs: number, tailMs: number): () => Promise<void> {
  return () => clock.sleep(Math.round(floorMs - tailMs * Math.log(1 - rng.next())));
}

/**
 * Virtual mode: the same agent and hub code on a virtual clock, against the
 * in-memory store with a latency model, to plan past one machine. The hub is
 * the real one (see virtualHub), compiling each commit from an in-memory
 * repository and publishing through the same latency model.
 */
export function virtualDriver(opts: VirtualDriverOptions): ScenarioDriver {
  const clock = new VirtualClock(EPOCH);
  const rng = seededRng(opts.seed ^ 0x5bd1e995);
  const store = new MemoryObjectStore({ latency: latency(clock, rng, 4, 6), clock });
  const recorder = new FleetRecorder(clock.now(), 1_000, { trace: opts.trace ?? false });
  const observed = observedStore(store, clock, recorder);
  const names = Array.from({ length: opts.clusters }, (_, i) => clusterName(i));
  const keys = benchSigningKeys(opts.seed);
  const hub = virtualHub({ store, clock, recorder, clusters: opts.clusters, apps: opts.apps, scenario: opts.scenario, signingKey: keys.privateKey });
  let fleet: SimulatedFleet | undefined;

  return {
    clock,
    recorder,
    async publish(k) {
      let done = false;
      const publishing = hub.publish(k).finally(() => (done = true));
      await clock.advance(Number.MAX_SAFE_INTEGER, () => done);
      await publishing;
    },
    startFleet() {
      fleet = startBundleFleet({
        names,
        clock,
        seed: opts.seed,
        store: observed.store,
        intervalMs: opts.intervalMs,
        jitter: opts.jitter,
        verifyKeys: [keys.publicKey],
        kubeLatency: latency(clock, rng, 2, 3),
        onError: (cluster, message) => recorder.error(cluster, message),
      });
    },
    async stopFleet() {
      const stopping = fleet?.stop();
      fleet = undefined;
      // Aborted sleepers wake at once; a pass in flight still needs its latencies to elapse.
      let done = false;
      void stopping?.finally(() => (done = true));
      await clock.advance(Number.MAX_SAFE_INTEGER, () => done || !stopping);
      await stopping;
    },
    runUntil: (untilMs, done) => clock.advance(untilMs, done).then(() => undefined),
    counts(): DriverCounts {
      const c = observed.counts;
      return { storeRequests: storeRequests(c), hubStoreRequests: hub.storeRequests, gitRequests: 0, gitFetches: hub.fetches, polls: c.polls, store: storeTotals(c) };
    },
  };
}
