import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { clusterName, type FleetScenario } from '@driftless/testkit';
import { benchSigningKeys } from './bench-keys.js';
import { delayedStore, hubLatencyRng, latency, VIRTUAL_EPOCH } from './latency-model.js';
import { storeRequests, storeTotals } from './observed-store.js';
import { inProcessLink } from './shard-links.js';
import { FleetRecorder } from './recorder.js';
import type { DriverCounts, ScenarioDriver } from './scenario.js';
import { VirtualFleet } from './virtual-fleet.js';
import { virtualHub } from './virtual-hub.js';

export interface VirtualDriverOptions {
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  readonly apps: number;
  readonly scenario: FleetScenario;
  /** Worker threads the clusters are spread over (capped at the clusters); the results do not depend on it. */
  readonly threads: number;
  /** Run the shards on this thread (tests without a build): the same windows and results. Default false. */
  readonly inProcess?: boolean;
  /** Keep every publish and apply event (the determinism check). */
  readonly trace?: boolean;
}

/**
 * Virtual mode: the same agent and hub code on virtual clocks, against the
 * in-memory store with a latency model, to plan past one machine. The hub is
 * the real one (see virtualHub) on this thread, compiling each commit from an
 * in-memory repository and publishing through its latency model; the clusters
 * run in shards on worker threads (see VirtualFleet), each with its own
 * latency stream.
 */
export function virtualDriver(opts: VirtualDriverOptions): ScenarioDriver & { readonly threads: number } {
  const clock = new VirtualClock(VIRTUAL_EPOCH);
  const store = new MemoryObjectStore({ clock });
  const recorder = new FleetRecorder(clock.now(), 1_000, { trace: opts.trace ?? false });
  const names = Array.from({ length: opts.clusters }, (_, i) => clusterName(i));
  const fleet = new VirtualFleet({ clock, store, recorder, names, seed: opts.seed, intervalMs: opts.intervalMs, jitter: opts.jitter, threads: opts.threads, ...(opts.inProcess ? { connect: inProcessLink } : {}) });
  const hubStore = delayedStore(fleet.hubStore, latency(clock, hubLatencyRng(opts.seed), 4, 6));
  const keys = benchSigningKeys(opts.seed);
  const hub = virtualHub({ store: hubStore, clock, recorder, clusters: opts.clusters, apps: opts.apps, scenario: opts.scenario, signingKey: keys.privateKey });

  return {
    clock,
    recorder,
    threads: fleet.threads,
    async publish(k) {
      let done = false;
      const publishing = hub.publish(k);
      publishing.then(
        () => (done = true),
        () => (done = true),
      );
      await fleet.runUntil(Number.MAX_SAFE_INTEGER, () => done);
      await publishing;
    },
    startFleet: () => fleet.start(),
    stopFleet: () => fleet.stop(),
    runUntil: (untilMs, done) => fleet.runUntil(untilMs, done),
    counts(): DriverCounts {
      const c = fleet.counts();
      return { storeRequests: storeRequests(c), hubStoreRequests: hub.storeRequests, gitRequests: 0, gitFetches: hub.fetches, polls: c.polls, store: storeTotals(c) };
    },
  };
}
