import { Worker } from 'node:worker_threads';
import type { SimulatedFleet } from './bundle-fleet.js';
import type { ClusterStoreCounts } from './observed-store.js';
import type { FleetRecorder } from './recorder.js';

/** What a worker thread gets (its `workerData`). */
export interface WorkerSetup {
  /** Bundle mode polls the store (`s3`); git mode fetches `git.repo` itself. */
  readonly mode: 'bundle' | 'git';
  readonly names: readonly string[];
  readonly firstIndex: number;
  readonly seed: number;
  readonly intervalMs: number;
  readonly jitter: number;
  /** Bundle mode: the store, in S3 (each worker opens its own client). */
  readonly s3?: WorkerS3;
  /** Git mode: the repository, where clones go, and the kustomize binary. */
  readonly git?: { readonly repo: string; readonly workDir: string; readonly kustomizeBinary: string };
}

/** Where a worker's S3 store is. */
export interface WorkerS3 {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** What a worker thread sends, every 200 ms and once more when stopped (`final`). */
export interface WorkerBatch {
  /** Times of store requests. */
  readonly requests: number[];
  readonly applied: [cluster: string, digest: string, at: number][];
  readonly fetchApply: number[];
  readonly errors: [cluster: string, message: string][];
  /** The worker's running totals. */
  readonly counts: ClusterStoreCounts;
  readonly final: boolean;
}

export interface WorkerPoolOptions extends Omit<WorkerSetup, 'names' | 'firstIndex'> {
  readonly names: readonly string[];
  /** Threads to spread the clusters over. */
  readonly workers: number;
  readonly recorder: FleetRecorder;
}

/**
 * The pool of worker threads that runs the simulated clusters (split evenly,
 * in order, each thread running `worker-entry.ts` with its own store client),
 * so that they do not share an event loop with the hub or with each other;
 * it feeds what the threads report to the recorder. Needs the built `dist/`
 * (a worker loads JavaScript).
 */
export function startWorkerPool(opts: WorkerPoolOptions): SimulatedFleet & { counts(): ClusterStoreCounts } {
  const per = Math.ceil(opts.names.length / opts.workers);
  const totals = new Map<number, ClusterStoreCounts>();
  const done: Promise<void>[] = [];
  const workers: Worker[] = [];
  for (let w = 0; w * per < opts.names.length; w++) {
    const setup: WorkerSetup = { ...pick(opts), names: opts.names.slice(w * per, (w + 1) * per), firstIndex: w * per };
    const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: setup });
    workers.push(worker);
    done.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (b: WorkerBatch) => {
          for (const at of b.requests) opts.recorder.request('store', at);
          for (const [cluster, digest, at] of b.applied) opts.recorder.applied(cluster, digest, at);
          for (const ms of b.fetchApply) opts.recorder.fetchedAndApplied(ms);
          for (const [cluster, message] of b.errors) opts.recorder.error(cluster, message);
          totals.set(w, b.counts);
          if (b.final) resolve();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fleet worker ${w} exited with code ${code}`))));
      }),
    );
    // Its clusters stop with it: say so at once (progress shows it), and again from stop().
    done[done.length - 1]?.catch((err: unknown) => opts.recorder.error(`worker-${w}`, `fleet worker ${w} failed: ${(err as Error).message}`));
  }
  return {
    counts() {
      const sum: ClusterStoreCounts = { get200: 0, get304: 0, get404: 0, put: 0, list: 0, bytesDown: 0, polls: 0 };
      for (const c of totals.values()) for (const k of Object.keys(sum) as (keyof ClusterStoreCounts)[]) sum[k] += c[k];
      return sum;
    },
    async stop() {
      for (const worker of workers) {
        try {
          worker.postMessage('stop');
        } catch {
          // already gone: its promise says why
        }
      }
      try {
        await Promise.all(done);
      } finally {
        await Promise.all(workers.map((worker) => worker.terminate()));
      }
    },
  };
}

function pick(o: WorkerPoolOptions): Omit<WorkerSetup, 'names' | 'firstIndex'> {
  return { mode: o.mode, seed: o.seed, intervalMs: o.intervalMs, jitter: o.jitter, ...(o.s3 ? { s3: o.s3 } : {}), ...(o.git ? { git: o.git } : {}) };
}
