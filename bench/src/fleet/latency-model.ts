import { seededRng, type Clock, type KubeObjectRef, type ObjectStore, type RequestOptions, type Rng } from '@driftless/core';
import { clusterSeed } from './bundle-fleet.js';

/** Where virtual time starts: fixed, so that documents carrying times are the same in every run (a multiple of every window). */
export const VIRTUAL_EPOCH = Date.UTC(2026, 0, 1);

/**
 * One latency draw: a fixed floor plus an exponential tail (mean `tailMs`),
 * whole ms, slept on `clock`. Store requests are 4 ms + 6 ms mean, Kubernetes
 * API requests 2 ms + 3 ms mean.
 */
export function latency(clock: Pick<Clock, 'sleep'>, rng: Rng, floorMs: number, tailMs: number): () => Promise<void> {
  return () => clock.sleep(Math.round(floorMs - tailMs * Math.log(1 - rng.next())));
}

/** The hub's own latency stream (the same seed the single-thread model drew every request from). */
export const hubLatencyRng = (seed: number): Rng => seededRng(seed ^ 0x5bd1e995);

/**
 * Cluster `i`'s latency stream, for its store and Kubernetes requests: seeded
 * like its agent's Rng (clusterSeed) but from another seed, so the two streams
 * are unrelated. One stream per cluster is what makes a run independent of how
 * the clusters are spread over threads: no draw depends on another cluster's.
 */
export const clusterLatencyRng = (seed: number, i: number): Rng => seededRng(clusterSeed(seed ^ 0x27d4eb2f, i));

/** The latencies of one simulated cluster, both drawn from its own stream. */
export function clusterLatencies(clock: Pick<Clock, 'sleep'>, rng: Rng): { store: () => Promise<void>; kube: (op: string, ref: KubeObjectRef) => Promise<void> } {
  return { store: latency(clock, rng, 4, 6), kube: latency(clock, rng, 2, 3) };
}

/**
 * `store` with `wait()` awaited before every request (the latency model),
 * for stores shared by callers that each draw from their own stream.
 */
export function delayedStore(store: ObjectStore, wait: () => Promise<void>): ObjectStore {
  // As the memory store's own latency option: an aborted request fails at once, without waiting.
  const enter = async (o: RequestOptions | undefined): Promise<void> => {
    o?.signal?.throwIfAborted();
    await wait();
  };
  return {
    get: async (key, o) => (await enter(o), store.get(key, o)),
    head: async (key, o) => (await enter(o), store.head(key, o)),
    list: async (prefix, o) => (await enter(o), store.list(prefix, o)),
    delete: async (key, o) => (await enter(o), store.delete(key, o)),
    putIfAbsent: async (key, body, o) => (await enter(o), store.putIfAbsent(key, body, o)),
    put: async (key, body, o) => (await enter(o), store.put(key, body, o)),
  };
}
