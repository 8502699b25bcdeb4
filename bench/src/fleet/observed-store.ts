import type { Clock, GetOptions, GetResult, ObjectStore, PutOptions, PutResult } from '@driftless/core';
import type { FleetRecorder } from './recorder.js';

/** What the simulated clusters report as they go: a FleetRecorder, or a worker thread's batch for one. */
export interface ClusterEvents {
  request(to: 'store', at: number): void;
  applied(cluster: string, digest: string, at: number): void;
  fetchedAndApplied(ms: number): void;
}

/** Requests the simulated clusters sent to the store. */
export interface ClusterStoreCounts {
  get200: number;
  get304: number;
  get404: number;
  put: number;
  list: number;
  bytesDown: number;
  /** Pointer reads: one per agent pass. */
  polls: number;
}

const CLUSTER_KEY = /^clusters\/([^/]+)\/(desired|status)\.json$/;

/**
 * The store as the simulated clusters see it: every request is passed through
 * and counted, and the reads and writes that mark progress are reported to the
 * recorder: a pointer read that found a new pointer starts a fetch-and-apply,
 * and a status write whose `appliedBundle` changed (phase not Failed) is that
 * cluster reporting the bundle applied.
 */
export function observedStore(inner: ObjectStore, clock: Clock, recorder: ClusterEvents): { store: ObjectStore; counts: ClusterStoreCounts } {
  const observer = clusterObserver(clock, recorder);
  return { store: observer.observe(inner), counts: observer.counts };
}

/**
 * What observedStore counts and reports, for any number of stores (a virtual
 * shard gives each cluster its own, with its own latency stream): the counts
 * are the sum over all of them.
 */
export function clusterObserver(clock: Clock, recorder: ClusterEvents): { observe(inner: ObjectStore): ObjectStore; counts: ClusterStoreCounts } {
  const counts: ClusterStoreCounts = { get200: 0, get304: 0, get404: 0, put: 0, list: 0, bytesDown: 0, polls: 0 };
  const seenAt = new Map<string, number>();
  const reported = new Map<string, string>();
  const statusWritten = (cluster: string, body: Uint8Array, now: number): void => {
    const status = JSON.parse(new TextDecoder().decode(body)) as { appliedBundle?: string; phase?: string };
    if (status.appliedBundle && status.phase !== 'Failed' && reported.get(cluster) !== status.appliedBundle) {
      reported.set(cluster, status.appliedBundle);
      recorder.applied(cluster, status.appliedBundle, now);
      const since = seenAt.get(cluster);
      if (since !== undefined) recorder.fetchedAndApplied(now - since);
    }
    seenAt.delete(cluster);
  };
  const observe = (inner: ObjectStore): ObjectStore => ({
    async get(key: string, o?: GetOptions): Promise<GetResult> {
      const started = clock.now();
      const m = CLUSTER_KEY.exec(key);
      if (m?.[2] === 'desired') counts.polls += 1;
      const got = await inner.get(key, o);
      recorder.request('store', clock.now());
      if (got.kind === 'found') {
        counts.get200 += 1;
        counts.bytesDown += got.body.byteLength;
        if (m?.[1] && m[2] === 'desired') seenAt.set(m[1], started);
      } else if (got.kind === 'not-modified') counts.get304 += 1;
      else counts.get404 += 1;
      return got;
    },
    async put(key: string, body: Uint8Array, o?: PutOptions & { ifMatch?: string }): Promise<PutResult> {
      const written = await inner.put(key, body, o);
      const now = clock.now();
      counts.put += 1;
      recorder.request('store', now);
      const m = CLUSTER_KEY.exec(key);
      if (m?.[1] && m[2] === 'status') statusWritten(m[1], body, now);
      return written;
    },
    async list(prefix, o) {
      counts.list += 1;
      recorder.request('store', clock.now());
      return await inner.list(prefix, o);
    },
    head: (key, o) => inner.head(key, o),
    putIfAbsent: (key, body, o) => inner.putIfAbsent(key, body, o),
    delete: (key, o) => inner.delete(key, o),
  });
  return { observe, counts };
}

/** Every request the simulated clusters sent to the store; 0 without a store (git mode). */
export function storeRequests(c: ClusterStoreCounts | undefined): number {
  return c ? c.get200 + c.get304 + c.get404 + c.put + c.list : 0;
}

/** The counts a result reports; zeros without a store (git mode). */
export function storeTotals(c: ClusterStoreCounts | undefined): { get200: number; get304: number; put: number; list: number; bytesDown: number } {
  return c ? { get200: c.get200, get304: c.get304, put: c.put, list: c.list, bytesDown: c.bytesDown } : { get200: 0, get304: 0, put: 0, list: 0, bytesDown: 0 };
}

/**
 * The store as the hub uses it, with every request it sends counted (the
 * simulated clusters' are counted by observedStore, apart): what a publish
 * costs the store.
 */
export function countedStore(inner: ObjectStore): { store: ObjectStore; requests(): number } {
  let requests = 0;
  const count = <T>(p: Promise<T>): Promise<T> => {
    requests += 1;
    return p;
  };
  const store: ObjectStore = {
    get: (key, o) => count(inner.get(key, o)),
    head: (key, o) => count(inner.head(key, o)),
    list: (prefix, o) => count(inner.list(prefix, o)),
    delete: (key, o) => count(inner.delete(key, o)),
    putIfAbsent: (key, body, o) => count(inner.putIfAbsent(key, body, o)),
    put: (key, body, o) => count(inner.put(key, body, o)),
  };
  return { store, requests: () => requests };
}

/** The store as the hub writes it: a pointer write (or first create) that completed is that cluster's publish, reported to the recorder. */
export function publishingStore(store: ObjectStore, clock: Clock, recorder: FleetRecorder): ObjectStore {
  return afterWrites(store, (key, body) => {
    const m = CLUSTER_KEY.exec(key);
    if (m?.[1] && m[2] === 'desired') recorder.published(m[1], (JSON.parse(new TextDecoder().decode(body)) as { bundle: string }).bundle, clock.now());
  });
}

/** `store` with `seen(key, body)` called after each put or put-if-absent that wrote (a compare-and-swap that lost, or an existing key, is not seen). */
export function afterWrites(store: ObjectStore, seen: (key: string, body: Uint8Array) => void): ObjectStore {
  return {
    get: (key, o) => store.get(key, o),
    head: (key, o) => store.head(key, o),
    list: (prefix, o) => store.list(prefix, o),
    delete: (key, o) => store.delete(key, o),
    async putIfAbsent(key, body, o) {
      const created = await store.putIfAbsent(key, body, o);
      if (created.kind === 'created') seen(key, body);
      return created;
    },
    async put(key, body, o) {
      const written = await store.put(key, body, o);
      if (written.kind === 'written') seen(key, body);
      return written;
    },
  };
}
