import { createHash } from 'node:crypto';
import { API_VERSION, canonicalBytes, storeLayout, type Clock, type Digest, type ObjectStore } from '@driftless/core';
import { clusterName, type FleetScenario } from '@driftless/testkit';
import type { FleetRecorder } from './recorder.js';
import { syntheticFleet } from './synthetic-fleet.js';

/** The hub of a virtual run: what publishes each commit of the scenario into the in-memory store. */
export interface VirtualHub {
  /**
   * Publishes commit `k`: its bundles, then a pointer for every cluster whose
   * bundle changed, each reported to the recorder as it is written. Resolves
   * once every pointer is written; its store requests wait on the virtual
   * clock, so the caller advances it meanwhile.
   */
  publish(k: number): Promise<void>;
  /** Commits published so far: each is one read of Git. */
  readonly publishes: number;
}

export interface SyntheticHubOptions {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly recorder: FleetRecorder;
  readonly clusters: number;
  readonly apps: number;
  readonly scenario: FleetScenario;
}

/** Pointer writes the virtual hub keeps in flight, as the real hub's publish does. */
const HUB_CONCURRENCY = 32;

/**
 * The hub modelled as one read of Git and one publish per commit: the
 * scenario's synthetic bundles (see syntheticFleet), then every changed
 * pointer, 32 at a time, through the store's latency model. Its compile cost
 * is `driftless bench hub`'s subject.
 */
export function syntheticHub(opts: SyntheticHubOptions): VirtualHub {
  const { store, clock, recorder } = opts;
  const names = Array.from({ length: opts.clusters }, (_, i) => clusterName(i));
  const synthetic = syntheticFleet(opts.clusters, opts.apps, opts.scenario);
  const current = new Map<string, Digest>();
  let publishes = 0;
  return {
    get publishes() {
      return publishes;
    },
    async publish(k) {
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
    },
  };
}
