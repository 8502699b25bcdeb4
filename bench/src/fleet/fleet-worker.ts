import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '@driftless/agent';
import { createS3Store } from '@driftless/store/s3';
import { startBundleFleet } from './bundle-fleet.js';
import { observedStore, type ClusterEvents } from './observed-store.js';
import type { WorkerBatch, WorkerSetup } from './worker-fleet.js';

/**
 * A worker thread's share of a bundle-mode fleet: its clusters run here, on
 * their own event loop, and what they report is sent to the main thread in
 * batches every 200 ms (times are wall-clock ms, the same in every thread).
 */
const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('fleet-worker runs as a worker thread');

let batch: Omit<WorkerBatch, 'counts' | 'final'> = { requests: [], applied: [], fetchApply: [], errors: [] };
const events: ClusterEvents = {
  request: (_to, at) => batch.requests.push(at),
  applied: (cluster, digest, at) => batch.applied.push([cluster, digest, at]),
  fetchedAndApplied: (ms) => batch.fetchApply.push(ms),
};
// Real agents each have their own connection. Sharing one client, thousands of
// simulated agents must not queue for a few sockets: a request that waits for a
// socket longer than the connect timeout fails, which no real agent would see.
const store = createS3Store({ ...setup.s3, maxSockets: 1024, requestTimeoutMs: 60_000 });
const observed = observedStore(store, systemClock, events);
const flush = (final: boolean): void => {
  port.postMessage({ ...batch, counts: { ...observed.counts }, final } satisfies WorkerBatch);
  batch = { requests: [], applied: [], fetchApply: [], errors: [] };
};
const ticker = setInterval(() => flush(false), 200);
const fleet = startBundleFleet({
  names: setup.names,
  firstIndex: setup.firstIndex,
  clock: systemClock,
  seed: setup.seed,
  store: observed.store,
  intervalMs: setup.intervalMs,
  jitter: setup.jitter,
  onError: (cluster, message) => batch.errors.push([cluster, message]),
});
port.once('message', () => {
  void fleet.stop().then(() => {
    clearInterval(ticker);
    flush(true);
    store.destroy();
  });
});
