import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, ObjectStore } from '@driftless/core';
import { systemClock } from '@driftless/clock';
import { compileFleet, createHub, kustomizeRunner, nodeHubDeps, syncGitSource, DEFAULT_MAX_FILE_BYTES, type Hub, type KustomizeRunner } from '@driftless/hub';
import { clusterName, commitFiles, createBareRepo, type FleetScenario, type GitServer } from '@driftless/testkit';
import { benchSigningKeys } from './bench-keys.js';
import { startBundleFleet, type SimulatedFleet } from './bundle-fleet.js';
import { startGitFleet } from './git-fleet.js';
import { startWorkerPool, type WorkerS3 } from './worker-pool.js';
import { countedStore, observedStore, publishingStore, storeRequests, storeTotals, type ClusterStoreCounts } from './observed-store.js';
import { publishCommit } from './publish-commit.js';
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
  const kustomize = kustomizeRunner({ binary: opts.kustomizeBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES });
  await mkdir(opts.workDir, { recursive: true });
  const git = gitTimeline(server, repoFile, recorder, clock);

  const observed = opts.mode === 'bundle' ? observedStore(store, clock, recorder) : undefined;
  const hubStore = countedStore(store);
  const hub: Hub | undefined =
    opts.mode === 'bundle'
      ? createHub(
          nodeHubDeps({
            store: publishingStore(hubStore.store, clock, recorder),
            clock,
            cacheDir: join(opts.workDir, 'hub'),
            kustomizeBinary: opts.kustomizeBinary,
            stateKey: repoName,
            signingKey: benchSigningKeys(opts.seed).privateKey,
          }),
        )
      : undefined;
  const expectPushed = gitModeExpectations(bare, opts.workDir, kustomize, recorder, clock);
  let fleet: RealFleet | undefined;
  let stopped: Promise<void> | undefined;

  return {
    clock,
    recorder,
    async publish(k) {
      const { files, message } = scenarioCommit(k, opts.clusters, opts.apps, opts.scenario);
      await commitFiles(bare, files, message);
      if (hub) await publishCommit(hub, url);
      else await expectPushed();
    },
    startFleet() {
      fleet = startRealFleet(opts, { url, kustomize, recorder, observed });
    },
    stopFleet() {
      stopped ??= (async () => {
        git.stopSampling();
        await fleet?.stop();
        // A git server in its own process reports its counts over IPC: take the last ones in flight.
        await server.sync?.();
        git.sample();
      })();
      return stopped;
    },
    runUntil: (untilMs, done) => waitUntil(untilMs, done, (fn) => recorder.onConverged(fn)),
    counts(): DriverCounts {
      const c = fleet?.storeCounts() ?? observed?.counts;
      return {
        storeRequests: storeRequests(c),
        hubStoreRequests: hubStore.requests(),
        gitRequests: git.total(),
        gitFetches: server.requestsFor(repoFile)['info/refs'],
        polls: fleet?.polls() ?? c?.polls ?? 0,
        store: storeTotals(c),
      };
    },
  };
}

/**
 * The git server's requests for the fleet repository, in the recorder's
 * timeline: sampled once a second until `stopSampling`, and on `sample`.
 */
function gitTimeline(server: GitServer, repoFile: string, recorder: FleetRecorder, clock: Clock): { total(): number; sample(): void; stopSampling(): void } {
  let seen = 0;
  const total = (): number => Object.values(server.requestsFor(repoFile)).reduce((a, b) => a + b, 0);
  const sample = (): void => {
    const now = total();
    recorder.request('git', clock.now(), now - seen);
    seen = now;
  };
  const sampler = setInterval(sample, 1_000);
  return { total, sample, stopSampling: () => clearInterval(sampler) };
}

/**
 * Git mode: tells the recorder what each cluster must apply after a push,
 * from a compile of the repository on disk (no git request): every cluster
 * whose bundle changed since the previous push, published at the push.
 */
function gitModeExpectations(bare: string, workDir: string, kustomize: KustomizeRunner, recorder: FleetRecorder, clock: Clock): () => Promise<void> {
  let previous = new Map<string, string>();
  return async () => {
    const pushedAt = clock.now();
    const { reader } = await syncGitSource({ repo: bare, cacheDir: workDir });
    const compiled = await compileFleet(reader, { kustomize });
    const next = new Map([...compiled.bundles].map(([name, b]) => [name, b.digest as string]));
    for (const [name, digest] of next) if (previous.get(name) !== digest) recorder.published(name, digest, pushedAt);
    previous = next;
  };
}

/** The simulated clusters of a real run, wherever they run, with what they count. */
interface RealFleet extends SimulatedFleet {
  /** Their store requests (undefined when the main thread's observed store counts them). */
  storeCounts(): ClusterStoreCounts | undefined;
  /** Their passes (undefined when the store's pointer reads count them). */
  polls(): number | undefined;
}

/**
 * Starts the simulated clusters: in worker threads (`workers`), or on this
 * thread, polling the observed store (bundle mode) or fetching the repository
 * themselves (git mode).
 */
function startRealFleet(
  opts: RealDriverOptions,
  ctx: { readonly url: string; readonly kustomize: KustomizeRunner; readonly recorder: FleetRecorder; readonly observed: { readonly store: ObjectStore } | undefined },
): RealFleet {
  const { recorder } = ctx;
  const names = Array.from({ length: opts.clusters }, (_, i) => clusterName(i));
  const workDir = join(opts.workDir, 'clusters');
  const common = { names, seed: opts.seed, intervalMs: opts.intervalMs, jitter: opts.jitter };
  if (opts.workers && opts.workers.count > 0 && (opts.mode === 'git' || opts.workers.s3)) {
    const { count, s3 } = opts.workers;
    const where = opts.mode === 'bundle' && s3 ? { s3 } : { git: { repo: ctx.url, workDir, kustomizeBinary: opts.kustomizeBinary } };
    const pool = startWorkerPool({ mode: opts.mode, workers: count, recorder, ...common, ...where });
    return { stop: () => pool.stop(), storeCounts: () => pool.counts(), polls: () => undefined };
  }
  const onError = (cluster: string, message: string): void => recorder.error(cluster, message);
  if (opts.mode === 'bundle' && ctx.observed) {
    const fleet = startBundleFleet({ ...common, clock: systemClock, store: ctx.observed.store, verifyKeys: [benchSigningKeys(opts.seed).publicKey], onError });
    return { stop: () => fleet.stop(), storeCounts: () => undefined, polls: () => undefined };
  }
  const git = startGitFleet({ ...common, clock: systemClock, repo: ctx.url, workDir, kustomize: ctx.kustomize, recorder, onError });
  return { stop: () => git.stop(), storeCounts: () => undefined, polls: () => git.counts.polls };
}

/**
 * Resolves at `untilMs` (wall clock) or as soon as `done()` holds, checked
 * whenever `subscribe`'s callback runs (a cluster converged; a rollout step).
 */
export function waitUntil(untilMs: number, done: (() => boolean) | undefined, subscribe: (fn: () => void) => () => void): Promise<void> {
  if (done?.()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(finish, Math.max(0, untilMs - Date.now()));
    const off = subscribe(() => {
      if (done?.()) finish();
    });
  });
}
