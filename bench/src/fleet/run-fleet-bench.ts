import { mkdtemp, readFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '@driftless/core';
import { FLEET_SCENARIO, Reaper, s3StoreFor, startEnvironment, type Environment, type FleetScenario, type GitServer } from '@driftless/testkit';
import { costLine, type IdleRequests } from './cost.js';
import { realDriver } from './real-driver.js';
import type { TraceEvent } from './recorder.js';
import type { BenchMode, FleetBenchReport, FleetBenchResult } from './result.js';
import { runScenario, type ScenarioDriver, type ScenarioMeasures } from './scenario.js';
import { virtualDriver } from './virtual-driver.js';
import type { WorkerS3 } from './worker-pool.js';

export interface FleetBenchOptions {
  readonly mode: BenchMode;
  readonly clusters: number;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly commits: number;
  readonly seed: number;
  /** Virtual clock and in-memory store instead of real servers (bundle mode only). */
  readonly virtual?: boolean;
  /** Apps in the fleet. Default 5. */
  readonly apps?: number;
  /** Intervals of steady state before the first measured commit. Default: the scenario's (2). */
  readonly steadyIntervals?: number;
  /** The fleet and its commits. Default FLEET_SCENARIO. */
  readonly scenario?: FleetScenario;
  /** Needed in real mode (the hub, and git mode's own rendering). */
  readonly kustomizeBinary?: string;
  /** Real mode on servers already running (tests): default, a fresh environment for the run. */
  readonly servers?: { readonly git: GitServer; readonly store: ObjectStore };
  /**
   * Worker threads for the simulated clusters. Real mode: 0 runs them on the
   * main thread, with the hub; default 1. Virtual mode: the shards (at least 1,
   * at most one per cluster); default os.availableParallelism().
   */
  readonly workers?: number;
  /** Keep the event trace (the determinism check). */
  readonly trace?: boolean;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

export interface FleetBenchRun {
  readonly result: FleetBenchResult;
  readonly report: FleetBenchReport;
  /** With `trace`: every publish and apply, in order; times relative to the start. */
  readonly trace?: readonly TraceEvent[];
}

/**
 * The fleet benchmark: N simulated clusters running the real agent code (or,
 * in git mode, pulling Git themselves) through the scenario of runScenario,
 * against real MinIO and the real git server, or on a virtual clock.
 */
export async function runFleetBench(opts: FleetBenchOptions): Promise<FleetBenchRun> {
  const log = opts.log ?? (() => undefined);
  const apps = opts.apps ?? 5;
  const scenario = opts.scenario ?? FLEET_SCENARIO;
  const started = Date.now();
  if (opts.virtual) {
    if (opts.mode !== 'bundle') throw new Error('virtual mode simulates bundle mode only (git mode needs the real git server)');
    const threads = Math.max(1, opts.workers ?? availableParallelism());
    const driver = virtualDriver({ clusters: opts.clusters, intervalMs: opts.intervalMs, jitter: opts.jitter, seed: opts.seed, apps, scenario, threads, trace: opts.trace ?? false });
    log(`bench: virtual mode, ${driver.threads} worker thread${driver.threads === 1 ? '' : 's'} for the clusters (--workers)`);
    return await measure(driver, { ...opts, scenario }, driver.threads, started, log);
  }
  if (!opts.kustomizeBinary) throw new Error('real mode needs the kustomize binary');
  const work = await mkdtemp(join(tmpdir(), 'driftless-bench-fleet-'));
  // Clones and hub cache go with the run, also when it is interrupted (Ctrl-C).
  const reaper = new Reaper();
  reaper.adoptDir(work);
  let env: Environment | undefined;
  try {
    let servers = opts.servers;
    let workers: { count: number; s3: WorkerS3 } | undefined;
    if (!servers) {
      env = await startEnvironment({ log: (l) => log(l) });
      const prefix = `bench-${opts.mode}-${started}`;
      servers = { git: env.git, store: s3StoreFor(env.info, prefix) };
      const { s3 } = env.info;
      const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
      workers = { count: opts.workers ?? 1, s3: { bucket: s3.bucket, prefix, endpoint: s3.endpoint, region: s3.region, credentials } };
    }
    const driver = await realDriver({
      mode: opts.mode,
      ...servers,
      ...(workers ? { workers } : {}),
      workDir: work,
      clusters: opts.clusters,
      apps,
      scenario,
      intervalMs: opts.intervalMs,
      jitter: opts.jitter,
      seed: opts.seed,
      kustomizeBinary: opts.kustomizeBinary,
      trace: opts.trace ?? false,
    });
    return await measure(driver, { ...opts, scenario }, workers?.count ?? 0, started, log);
  } finally {
    await env?.stop();
    reaper.dispose();
  }
}

async function measure(driver: ScenarioDriver, opts: FleetBenchOptions & { scenario: FleetScenario }, workers: number, started: number, log: (line: string) => void): Promise<FleetBenchRun> {
  const childCpuBefore = await childCpuMs();
  const measures = await runScenario(driver, opts.clusters, {
    scenario: opts.scenario,
    intervalMs: opts.intervalMs,
    jitter: opts.jitter,
    commits: opts.commits,
    ...(opts.steadyIntervals !== undefined ? { steadyIntervals: opts.steadyIntervals } : {}),
    progress: (line) => log(`bench: ${line}`),
  });
  const { recorder } = driver;
  const childCpu = (await childCpuMs()) - childCpuBefore;
  const convergence = recorder.convergence();
  const fetchApply = recorder.fetchApplyMs();
  const counts = driver.counts();
  const idle = idleRequests(measures, opts.clusters, opts.intervalMs);
  const result: FleetBenchResult = {
    mode: opts.mode,
    clusters: opts.clusters,
    intervalMs: opts.intervalMs,
    jitter: opts.jitter,
    commits: opts.commits,
    workers,
    git: { requests: counts.gitRequests, fetchesPerCommit: measures.fetchesPerCommit, ...(opts.virtual ? {} : { serverCpuMs: childCpu }) },
    store: counts.store,
    hub: { storeRequests: counts.hubStoreRequests, storeRequestsPerCommit: measures.hubStoreRequestsPerCommit },
    convergenceMs: convergence.percentiles,
    boundMs: Math.round(opts.intervalMs * (1 + opts.jitter) + fetchApply.p99),
    failedClusters: convergence.failedClusters,
    cpuMsPerPoll: measures.cpuMsPerPoll,
    rssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    clusterErrors: recorder.errorSummary(),
    idle: {
      storeRequestsPerClusterPerInterval: measures.idleStorePerClusterInterval,
      gitRequestsPerClusterPerInterval: measures.idleGitPerClusterInterval,
      storeGetPerClusterPerInterval: round3(idle.storeGetPerInterval),
      storeListPerClusterPerInterval: round3(idle.storeListPerInterval),
      storePutPerClusterPerHour: round3(idle.storePutPerHour),
    },
    cost: costLine(opts.clusters, idle),
  };
  const cpu = cpus();
  const report: FleetBenchReport = {
    ...result,
    seed: opts.seed,
    virtual: opts.virtual ?? false,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version },
    convergenceSamplesMs: convergence.samples,
    timeline: recorder.timeline(),
  };
  return { result, report, ...(recorder.trace ? { trace: recorder.trace } : {}) };
}

/** The steady-state window's requests per cluster: GETs and LISTs per interval, PUTs per hour. */
function idleRequests(measures: ScenarioMeasures, clusters: number, intervalMs: number): IdleRequests {
  const { ms, storeGet, storePut, storeList } = measures.idleWindow;
  if (ms === 0) return { storeGetPerInterval: 0, storePutPerHour: 0, storeListPerInterval: 0, gitPerInterval: measures.idleGitPerClusterInterval };
  const intervals = ms / intervalMs;
  return {
    storeGetPerInterval: storeGet / clusters / intervals,
    storePutPerHour: (storePut / clusters) * (3_600_000 / ms),
    storeListPerInterval: storeList / clusters / intervals,
    gitPerInterval: measures.idleGitPerClusterInterval,
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * CPU time, ms, of this process's child processes that have exited (Linux
 * /proc): during a run, the git http-backend process of each git request (and
 * the bench's own commits and kustomize builds). 0 where /proc is missing.
 */
async function childCpuMs(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => undefined);
  // Fields after the command name (which may hold spaces): cutime and cstime are the 14th and 15th.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields?.[13] ?? 0) + Number(fields?.[14] ?? 0);
  return Number.isFinite(ticks) ? ticks * 10 : 0; // USER_HZ is 100 on Linux
}
