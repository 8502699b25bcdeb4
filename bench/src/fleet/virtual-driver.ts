import { createHash } from 'node:crypto';
import { API_VERSION, canonicalBytes, seededRng, storeLayout, type Digest, type Rng } from '@driftless/core';
import { MemoryObjectStore, VirtualClock, clusterName, type FleetScenario } from '@driftless/testkit';
import { startBundleFleet, type SimulatedFleet } from './bundle-fleet.js';
import { observedStore, storeRequests, storeTotals } from './observed-store.js';
import { FleetRecorder } from './recorder.js';
import type { DriverCounts, ScenarioDriver } from './scenario.js';
import { syntheticFleet } from './synthetic-fleet.js';

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
/** Pointer writes the virtual hub keeps in flight, as the real hub's publish does. */
const HUB_CONCURRENCY = 32;

/**
 * Latency model: a fixed floor plus an exponential tail (mean `tailMs`),
 * drawn from the run's seeded Rng: store requests 4 ms + 6 ms mean, Kubernetes
 * API requests 2 ms + 3 ms mean.
 */
function latency(clock: VirtualClock, rng: Rng, floorMs: number, tailMs: number): () => Promise<void> {
  return () => clock.sleep(Math.round(floorMs - tailMs * Math.log(1 - rng.next())));
}

/**
 * Virtual mode: the same agent code on a virtual clock, against the in-memory
 * store with a latency model, to plan past one machine. The hub is modelled as
 * one read of Git and one publish per commit (the scenario's synthetic
 * bundles, then every changed pointer, 32 at a time through the same latency
 * model); its compile cost is `driftless bench hub`'s subject.
 */
export function virtualDriver(opts: VirtualDriverOptions): ScenarioDriver {
  const clock = new VirtualClock(EPOCH);
  const rng = seededRng(opts.seed ^ 0x5bd1e995);
  const store = new MemoryObjectStore({ latency: latency(clock, rng, 4, 6), now: () => clock.now() });
  const recorder = new FleetRecorder(clock.now(), 1_000, { trace: opts.trace ?? false });
  const observed = observedStore(store, clock, recorder);
  const names = Array.from({ length: opts.clusters }, (_, i) => clusterName(i));
  const synthetic = syntheticFleet(opts.clusters, opts.apps, opts.scenario);
  const current = new Map<string, Digest>();
  let fleet: SimulatedFleet | undefined;
  let publishes = 0;

  const publishAll = async (k: number): Promise<void> => {
    publishes += 1;
    const bundles = synthetic.bundlesAt(k);
    for (const b of bundles) await store.putIfAbsent(storeLayout.blob(b.digest), b.compressed);
    const revision = createHash('sha1').update(`commit-${k}`).digest('hex');
    const publishedAt = new Date(clock.now()).toISOString();
    const digestOf = (i: number): Digest => (bundles[synthetic.groupOf[i] ?? 0] as { digest: Digest }).digest;
    const changed = names.flatMap((name, i) => (current.get(name) === digestOf(i) ? [] : [i]));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < changed.length) {
        const i = changed[next++] as number;
        const name = names[i] as string;
        const digest = digestOf(i);
        const pointer = { apiVersion: API_VERSION, kind: 'Pointer', cluster: name, bundle: digest, revision, generation: k + 1, publishedAt };
        await store.put(storeLayout.pointer(name), canonicalBytes(pointer), { contentType: 'application/json' });
        current.set(name, digest);
        recorder.published(name, digest, clock.now());
      }
    };
    await Promise.all(Array.from({ length: HUB_CONCURRENCY }, worker));
  };

  return {
    clock,
    recorder,
    async publish(k) {
      let done = false;
      const publishing = publishAll(k).finally(() => (done = true));
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
      return { storeRequests: storeRequests(c), gitRequests: 0, gitFetches: publishes, polls: c.polls, store: storeTotals(c) };
    },
  };
}
