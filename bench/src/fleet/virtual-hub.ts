import type { KeyObject } from 'node:crypto';
import { compileError, type Clock, type MetricSource, type ObjectStore } from '@driftless/core';
import { MemoryRepository } from '@driftless/fakes';
import { createHub, memoryHubStateStore, type Hub, type KustomizeRunner } from '@driftless/hub';
import type { FleetScenario } from '@driftless/testkit';
import { countedStore, publishingStore } from './observed-store.js';
import { publishCommit } from './publish-commit.js';
import type { FleetRecorder } from './recorder.js';
import { scenarioCommit } from './scenario-fleet.js';

/** The hub of a virtual run: what publishes each commit of the scenario into the in-memory store. */
export interface VirtualHub {
  /**
   * Makes commit `k` and publishes it: its bundles, then a pointer for every
   * cluster whose bundle changed, each reported to the recorder as it is
   * written. Resolves once the publish is complete; its store requests wait on
   * the virtual clock, so the caller advances it meanwhile.
   */
  publish(k: number): Promise<void>;
  /** The repository the commits are made in (the previews bench pushes and deletes a branch in it). */
  readonly repo: MemoryRepository;
  /** The hub itself (the previews bench runs it in `hub serve`'s loop). */
  readonly hub: Hub;
  /** Reads of the repository so far: one per compile. */
  readonly fetches: number;
  /** Requests the hub sent to the store so far (blobs, pointers, its marker and records). */
  readonly storeRequests: number;
}

export interface VirtualHubOptions {
  /** The store the simulated clusters poll; its latency model waits on `clock`. */
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly recorder: FleetRecorder;
  readonly clusters: number;
  readonly apps: number;
  readonly scenario: FleetScenario;
  /** Signs every pointer, as a production hub does. */
  readonly signingKey: KeyObject;
  /**
   * fleet.yaml's `spec.delivery`: every commit then starts a rollout (the
   * rollout bench); a function gives each commit's (undefined: none, the
   * pointers are written at once).
   */
  readonly delivery?: Readonly<Record<string, unknown>> | ((k: number) => Readonly<Record<string, unknown>> | undefined);
  /** Where the delivery's checks read (a hub refuses to compile checks without one). */
  readonly metrics?: MetricSource;
  /** Files added to every commit beside the generated fleet (the kill-switch bench's `flags/<key>.yaml`). */
  readonly extraFiles?: Readonly<Record<string, string>>;
}

/**
 * Kustomize is a subprocess: it would run outside virtual time and make a
 * run's events depend on wall-clock scheduling, so the virtual fleet is plain
 * manifests only (the bench's fleet shape has no kustomize app).
 */
const noKustomizeInVirtualTime: KustomizeRunner = Object.assign(
  (_reader: unknown, dir: string) => Promise.reject(compileError(dir, undefined, 'kustomize does not run in virtual mode (a subprocess runs outside virtual time)')),
  { identity: () => Promise.resolve('none (virtual mode)') },
);

/**
 * The real hub (`createHub`) on the virtual clock: the scenario's commits are
 * made in an in-memory repository (the same files the real driver pushes, see
 * scenarioCommit), and the hub compiles each one and publishes it into the
 * store with its own state in memory, as `driftless hub compile` does with its
 * state file. Everything it does runs in microtasks, so it moves with virtual
 * time: a compile takes no virtual time, each store request the latency
 * model's. Its requests are counted apart from the clusters'.
 */
export function virtualHub(opts: VirtualHubOptions): VirtualHub {
  const repo = new MemoryRepository();
  const counted = countedStore(opts.store);
  let ids = 0;
  const hub = createHub({
    source: repo,
    renderers: { kustomize: noKustomizeInVirtualTime },
    store: publishingStore(counted.store, opts.clock, opts.recorder),
    state: memoryHubStateStore(),
    clock: opts.clock,
    signingKey: opts.signingKey,
    // Deterministic, so that the same seed writes the same bytes.
    newId: () => `virtual-publish-${++ids}`,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  const deliveryOf = (k: number): Readonly<Record<string, unknown>> | undefined => (typeof opts.delivery === 'function' ? opts.delivery(k) : opts.delivery);
  return {
    repo,
    hub,
    get fetches() {
      return repo.syncs;
    },
    get storeRequests() {
      return counted.requests();
    },
    async publish(k) {
      const { files, message } = scenarioCommit(k, opts.clusters, opts.apps, opts.scenario, deliveryOf(k));
      repo.commit({ ...files, ...opts.extraFiles }, message);
      await publishCommit(hub, repo.url);
    },
  };
}
