/**
 * What `driftless bench` (the fleet benchmark) measures. The fields of
 * {@link FleetBenchResult} are the `--json` document; {@link FleetBenchReport}
 * adds what `--out` needs to draw the chart.
 */

/** Percentiles of per-cluster convergence, ms: from the hub's pointer write (git mode: the push) to that cluster reporting the bundle applied. */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

import type { CostLine } from './cost.js';

export type BenchMode = 'bundle' | 'git';

/** The `--json` document. */
export interface FleetBenchResult {
  readonly mode: BenchMode;
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly commits: number;
  /**
   * Worker threads that ran the simulated clusters (0: the main thread, beside
   * the hub). Virtual mode: the shards of the fleet, whose number changes the
   * wall time only, never what the run measures.
   */
  readonly workers: number;
  /** Requests the git server answered over the whole run, and git fetches per commit during the commit phase (1 in bundle mode: the hub's). */
  readonly git: {
    readonly requests: number;
    readonly fetchesPerCommit: number;
    /**
     * Real mode on Linux: CPU of this process's child processes that exited during the run, ms: the bench's own
     * commits and kustomize builds, and the git server's `git http-backend`s only with servers passed in (`servers`):
     * startEnvironment's git server runs in a process of its own, whose children are not counted here.
     */
    readonly serverCpuMs?: number;
  };
  /** Requests the simulated clusters sent to the object store (the hub's are not counted), and bytes of bodies they received. */
  readonly store: { readonly get200: number; readonly get304: number; readonly put: number; readonly list: number; readonly bytesDown: number };
  /** Requests the hub sent to the object store (blobs, pointers, its marker and records): over the whole run, and per measured commit. 0 in git mode. */
  readonly hub: { readonly storeRequests: number; readonly storeRequestsPerCommit: number };
  readonly convergenceMs: Percentiles;
  /** The best pure polling can do: the longest jittered interval plus the measured p99 fetch-and-apply time, ms. */
  readonly boundMs: number;
  /** Clusters that did not report some commit applied before the run's deadline for it. */
  readonly failedClusters: number;
  /** CPU time of this process (user + system) per simulated poll, ms. */
  readonly cpuMsPerPoll: number;
  /** Peak resident memory of this process, MB. */
  readonly rssMB: number;
  /** Errors the simulated clusters logged (failed polls, refused bundles, failed status writes); each retries with backoff. */
  readonly clusterErrors: { readonly total: number; readonly top: readonly { readonly message: string; readonly count: number }[] };
  /** What an idle fleet costs (the steady-state window): requests per cluster per interval. */
  readonly idle: {
    readonly storeRequestsPerClusterPerInterval: number;
    readonly gitRequestsPerClusterPerInterval: number;
    /** The same store requests by kind: GETs (200, 304, 404) and LISTs per cluster per interval; PUTs (status writes, heartbeats) per cluster per hour. */
    readonly storeGetPerClusterPerInterval: number;
    readonly storeListPerClusterPerInterval: number;
    readonly storePutPerClusterPerHour: number;
  };
  /** The idle rates above per month at the default 30 s interval, priced at S3 list prices: see costLine. */
  readonly cost: CostLine;
}

/** Requests per time bucket since the run started, for the chart. */
export interface RequestTimeline {
  readonly bucketMs: number;
  /** Requests answered by the git server per bucket. */
  readonly git: readonly number[];
  /** Requests sent to the object store per bucket. */
  readonly store: readonly number[];
}

/** What `--out DIR` writes to `DIR/<mode>.json`: the result plus the raw series behind the chart. */
export interface FleetBenchReport extends FleetBenchResult {
  readonly seed: number;
  readonly virtual: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGB: number; readonly node: string };
  /** Every (commit, cluster) convergence time, ms, ascending: the CDF. */
  readonly convergenceSamplesMs: readonly number[];
  readonly timeline: RequestTimeline;
}
