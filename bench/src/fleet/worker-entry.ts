import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '@driftless/clock';
import { createS3Store } from '@driftless/store/s3';
import { DEFAULT_MAX_FILE_BYTES, kustomizeRunner } from '@driftless/hub';
import { benchSigningKeys } from './bench-keys.js';
import { startBundleFleet, type SimulatedFleet } from './bundle-fleet.js';
import { startGitFleet } from './git-fleet.js';
import { observedStore, type ClusterEvents, type ClusterStoreCounts } from './observed-store.js';
import type { WorkerBatch, WorkerSetup } from './worker-pool.js';

/**
 * The entry point of one worker thread of the pool (`worker-pool.ts`): its
 * share of a simulated fleet (bundle or git mode) runs here, on its own event
 * loop, and what the clusters report is sent to the main thread in batches
 * every 200 ms (times are wall-clock ms, the same in every thread).
 */
const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('worker-entry runs as a worker thread');

let batch: Omit<WorkerBatch, 'counts' | 'final'> = { requests: [], applied: [], fetchApply: [], errors: [] };
const events: ClusterEvents = {
  request: (_to, at) => batch.requests.push(at),
  applied: (cluster, digest, at) => batch.applied.push([cluster, digest, at]),
  fetchedAndApplied: (ms) => batch.fetchApply.push(ms),
};
const onError = (cluster: string, message: string): void => void batch.errors.push([cluster, message]);
const common = { names: setup.names, firstIndex: setup.firstIndex, clock: systemClock, seed: setup.seed, intervalMs: setup.intervalMs, jitter: setup.jitter, onError };
let counts: () => ClusterStoreCounts;
let fleet: SimulatedFleet;
let close = (): void => undefined;
if (setup.mode === 'bundle' && setup.s3) {
  // Real agents each have their own connection. Sharing one client, thousands of
  // simulated agents must not queue for a few sockets: a request that waits for a
  // socket longer than the connect timeout fails, which no real agent would see.
  const store = createS3Store({ ...setup.s3, maxSockets: 1024, requestTimeoutMs: 60_000 });
  const observed = observedStore(store, systemClock, events);
  counts = () => ({ ...observed.counts });
  // The same key pair the hub of this run signs with: derived from the seed.
  fleet = startBundleFleet({ ...common, store: observed.store, verifyKeys: [benchSigningKeys(setup.seed).publicKey] });
  close = () => store.destroy();
} else if (setup.mode === 'git' && setup.git) {
  const { repo, workDir, kustomizeBinary } = setup.git;
  const kustomize = kustomizeRunner({ binary: kustomizeBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES });
  const git = startGitFleet({ ...common, repo, workDir, kustomize, recorder: events });
  counts = () => ({ get200: 0, get304: 0, get404: 0, put: 0, list: 0, bytesDown: 0, polls: git.counts.polls });
  fleet = git;
} else {
  throw new Error(`worker-entry: nothing to run for mode ${setup.mode}`);
}
const flush = (final: boolean): void => {
  port.postMessage({ ...batch, counts: counts(), final } satisfies WorkerBatch);
  batch = { requests: [], applied: [], fetchApply: [], errors: [] };
};
const ticker = setInterval(() => flush(false), 200);
port.once('message', () => {
  void fleet.stop().then(() => {
    clearInterval(ticker);
    flush(true);
    close();
  });
});
