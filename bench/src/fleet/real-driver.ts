import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '@driftless/core';
import { systemClock } from '@driftless/agent';
import { compileFleet, createHub, kustomizeRunner, syncGitSource, DEFAULT_MAX_FILE_BYTES, type Hub } from '@driftless/hub';
import { clusterName, commitFiles, createBareRepo, type FleetScenario, type GitServer } from '@driftless/testkit';
import { startBundleFleet, type SimulatedFleet } from './bundle-fleet.js';
import { startGitFleet, type GitPollCounts } from './git-fleet.js';
import { startWorkerPool, type WorkerS3 } from './worker-pool.js';
import { observedStore, publishingStore, storeRequests, storeTotals, type ClusterStoreCounts } from './observed-store.js';
import { FleetRecorder } from './recorder.js';
import type { BenchMode } from './result.js';
import type { DriverCounts, ScenarioDriver } from './scenario.js';
import { scenarioCommit } from './scenario-fleet.js';

export interface RealDriverOptions {
  readonly mode: BenchMode;
  /** The git server the fleet repository is served by (its request counters are read in-process). */
  readonly git: GitServer;
  /** The store the hub publishes to and the agents poll (bundle mode). */
  readonly store: ObjectStore;
  /** Run the simulated clusters in this many worker threads (bundle mode: they open the S3 store themselves). */
  readonly workers?: { readonly count: number; readonly s3?: WorkerS3 };
  /** A directory of this run's own (hub cache, git-mode clones); removed by the caller. */
  readonly workDir: string;
  readonly clusters: number;
  readonly apps: number;
  readonly scenario: FleetScenario;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly seed: number;
  readonly kustomizeBinary: string;
  readonly trace?: boolean;
}

/**
 * Real mode: the fleet repository is committed to a bare repository served by
 * the real git server; bundle mode compiles each commit with the real hub into
 * real MinIO and the simulated agents poll it; git mode has every simulated
 * cluster fetch the repository itself. Real clock, real requests.
 */
export async function realDriver(opts: RealDriverOptions): Promise<ScenarioDriver> {
  const clock = systemClock;
  const recorder = new FleetRecorder(clock.now(), 1_000, { trace: opts.trace ?? false });
  const { git: server, store } = opts;
  const repoName = `fleet-${opts.mode}-${opts.seed}-${Date.now().toString(36)}`;
  const bare = await createBareRepo(server.root, repoName);
  const url = `${server.baseUrl}${repoName}.git`;
  const repoFile = `${repoName}.git`;
  const names = Array.from({ length: opts.clusters }, (_, i) => clusterName(i));
  const kustomize = kustomizeRunner({ binary: opts.kustomizeBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES });
  await mkdir(opts.workDir, { recursive: true });

  // Git requests land in the recorder's timeline once a second.
  let gitSeen = 0;
  const gitTotal = (): number => Object.values(server.requestsFor(repoFile)).reduce((a, b) => a + b, 0);
  const sampler = setInterval(() => {
    const now = gitTotal();
    recorder.request('git', clock.now(), now - gitSeen);
    gitSeen = now;
  }, 1_000);

  const observed = opts.mode === 'bundle' ? observedStore(store, clock, recorder) : undefined;
  const hub: Hub | undefined =
    opts.mode === 'bundle'
      ? createHub({ store: publishingStore(store, clock, recorder), now: () => new Date(), cacheDir: join(opts.workDir, 'hub'), kustomizeBinary: opts.kustomizeBinary, stateKey: repoName })
      : undefined;
  let fleet: SimulatedFleet | undefined;
  let gitPolls: GitPollCounts | undefined;
  let threaded: (SimulatedFleet & { counts(): ClusterStoreCounts }) | undefined;
  let previous = new Map<string, string>();
  let stopped: Promise<void> | undefined;

  return {
    clock,
    recorder,
    async publish(k) {
      const { files, message } = scenarioCommit(k, opts.clusters, opts.apps, opts.scenario);
      await commitFiles(bare, files, message);
      if (hub) {
        await hub.compile({ repo: url });
        return;
      }
      // Git mode: what each cluster must apply, from a compile of the repository on disk (no git request).
      const pushedAt = clock.now();
      const { reader } = await syncGitSource({ repo: bare, cacheDir: opts.workDir });
      const compiled = await compileFleet(reader, { kustomize });
      const next = new Map([...compiled.bundles].map(([name, b]) => [name, b.digest as string]));
      for (const [name, digest] of next) if (previous.get(name) !== digest) recorder.published(name, digest, pushedAt);
      previous = next;
    },
    startFleet() {
      if (opts.workers && opts.workers.count > 0 && (opts.mode === 'git' || opts.workers.s3)) {
        const { count, s3 } = opts.workers;
        const git = { repo: url, workDir: join(opts.workDir, 'clusters'), kustomizeBinary: opts.kustomizeBinary };
        const where = opts.mode === 'bundle' && s3 ? { s3 } : { git };
        fleet = threaded = startWorkerPool({ mode: opts.mode, names, workers: count, seed: opts.seed, intervalMs: opts.intervalMs, jitter: opts.jitter, recorder, ...where });
        return;
      }
      if (opts.mode === 'bundle' && observed) {
        const onError = (cluster: string, message: string): void => recorder.error(cluster, message);
        fleet = startBundleFleet({ names, clock, seed: opts.seed, store: observed.store, intervalMs: opts.intervalMs, jitter: opts.jitter, onError });
        return;
      }
      const git = startGitFleet({
        names,
        clock,
        seed: opts.seed,
        repo: url,
        workDir: join(opts.workDir, 'clusters'),
        kustomize,
        intervalMs: opts.intervalMs,
        jitter: opts.jitter,
        recorder,
        onError: (cluster, message) => recorder.error(cluster, message),
      });
      gitPolls = git.counts;
      fleet = git;
    },
    stopFleet() {
      stopped ??= (async () => {
        clearInterval(sampler);
        await fleet?.stop();
        recorder.request('git', clock.now(), gitTotal() - gitSeen);
      })();
      return stopped;
    },
    runUntil: (untilMs, done) => waitUntil(recorder, untilMs, done),
    counts(): DriverCounts {
      const c = threaded?.counts() ?? observed?.counts;
      const git = server.requestsFor(repoFile);
      return {
        storeRequests: storeRequests(c),
        gitRequests: gitTotal(),
        gitFetches: git['info/refs'],
        polls: c?.polls ?? gitPolls?.polls ?? 0,
        store: storeTotals(c),
      };
    },
  };
}

/** Resolves at `untilMs` (wall clock) or as soon as `done()` holds after a cluster converged. */
function waitUntil(recorder: FleetRecorder, untilMs: number, done?: () => boolean): Promise<void> {
  if (done?.()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(finish, Math.max(0, untilMs - Date.now()));
    const off = recorder.onConverged(() => {
      if (done?.()) finish();
    });
  });
}
