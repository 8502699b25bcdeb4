import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, type ObjectStore } from '@driftless/core';
import { systemClock } from '@driftless/clock';
import {
  compileFleet,
  DEFAULT_MAX_FILE_BYTES,
  helmRunner,
  type CompiledFleet,
  type HelmRunner,
  kustomizeRunner,
  publishFleet,
  syncGitSource,
  type CompileMemo,
  type PublishMemo,
  type PublishResult,
} from '@driftless/hub';
import { createFileStore } from '@driftless/store';
import { appName, commitFiles, createBareRepo, generateFleet, startGitServer, type HelmAppShape } from '@driftless/testkit';

export interface HubBenchOptions {
  readonly clusters: number;
  readonly apps: number;
  readonly kustomizeBinary: string;
  /** The helm binary, for fleets with Helm chart apps. */
  readonly helmBinary?: string;
  /** One more app, `web`, on every cluster: a Helm chart or its plain-YAML twin (see generateFleet's `helmApp`). Default: none. */
  readonly helmApp?: HelmAppShape;
  /** Default: a file store in a temporary directory. */
  readonly store?: ObjectStore;
  readonly log?: (line: string) => void;
}

/** Milliseconds per phase of one hub run. */
export interface HubRunTimes {
  readonly fetchMs: number;
  readonly compileMs: number;
  readonly publishMs: number;
  readonly totalMs: number;
  /** `helm template` runs of this compile. */
  readonly helmRuns: number;
  /** sha256 of every cluster's bundle digest (canonical JSON of cluster -> digest): equal for fleets that give every cluster the same objects. */
  readonly fleetDigest: string;
  readonly result: Omit<PublishResult, 'orphaned' | 'refused' | 'memo'>;
}

export interface HubBenchResult {
  readonly clusters: number;
  readonly apps: number;
  readonly helmApp?: HelmAppShape;
  /** First compile and publish of the whole fleet (clone included). */
  readonly initial: HubRunTimes;
  /** After a commit that changes app-00, which 10% of clusters run. */
  readonly recompile: HubRunTimes;
  /** Peak resident memory of this process, MB. */
  readonly rssMB: number;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGB: number; readonly node: string };
}

/**
 * Measures the hub on a synthetic fleet served by a real git server (Debian's
 * git http-backend): compile + publish of every cluster, then a recompile after
 * a commit that changes one app used by 10% of the clusters. Wall-clock times
 * per phase, helm runs and a digest of every cluster's bundle; nothing is
 * asserted here (see bench/RESULTS.md). With `helmApp`, run once per variant
 * (chart, plain) in a fresh process each, so that peak RSS is the variant's own.
 */
export async function runHubBench(opts: HubBenchOptions): Promise<HubBenchResult> {
  const log = opts.log ?? (() => undefined);
  const work = await mkdtemp(join(tmpdir(), 'driftless-bench-hub-'));
  const server = await startGitServer({ root: join(work, 'repos') }).catch(async (err: unknown) => {
    await rm(work, { recursive: true, force: true });
    throw err;
  });
  try {
    log(`bench: generating ${opts.clusters} clusters x ${opts.apps} apps`);
    const bare = await createBareRepo(join(work, 'repos'), 'fleet');
    const shape = { clusters: opts.clusters, apps: opts.apps, ...(opts.helmApp ? { helmApp: opts.helmApp } : {}) };
    await commitFiles(bare, generateFleet(shape), 'fleet');
    const helm = opts.helmBinary ? countingHelm(helmRunner({ binary: opts.helmBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES })) : undefined;
    const store = opts.store ?? createFileStore(join(work, 'store'));
    // What `hub compile` keeps in its local state between runs.
    let memo: { compile: CompileMemo; publish: PublishMemo } | undefined;
    const run = async (label: string): Promise<HubRunTimes> => {
      const t0 = performance.now();
      const snapshot = await syncGitSource({ repo: `${server.baseUrl}fleet.git`, cacheDir: join(work, 'cache') });
      const t1 = performance.now();
      const helmRunsBefore = helm?.runs ?? 0;
      const compiled = await compileFleet(snapshot.reader, {
        kustomize: kustomizeRunner({ binary: opts.kustomizeBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES }),
        ...(helm ? { helm: helm.runner } : {}),
        ...(memo ? { memo: memo.compile } : {}),
      });
      const t2 = performance.now();
      const published = await publishFleet({ store, compiled, clock: systemClock, ...(memo ? { previous: memo.publish } : {}) });
      memo = { compile: compiled.memo, publish: published.memo };
      const { orphaned: _o, refused: _r, memo: _m, ...result } = published;
      const t3 = performance.now();
      const helmRuns = (helm?.runs ?? 0) - helmRunsBefore;
      const times = { fetchMs: ms(t1 - t0), compileMs: ms(t2 - t1), publishMs: ms(t3 - t2), totalMs: ms(t3 - t0), helmRuns, fleetDigest: fleetDigest(compiled), result };
      log(`bench: ${label}: fetch ${times.fetchMs} ms, compile ${times.compileMs} ms (${helmRuns} helm runs), publish ${times.publishMs} ms (${result.blobsWritten} blobs, ${result.pointersUpdated} pointers)`);
      return times;
    };
    const initial = await run('initial');
    await commitFiles(bare, generateFleet({ ...shape, versions: { [appName(0)]: '1.0.1' } }), 'bump app-00');
    const recompile = await run('recompile');
    const cpu = cpus();
    return {
      clusters: opts.clusters,
      apps: opts.apps,
      ...(opts.helmApp ? { helmApp: opts.helmApp } : {}),
      initial,
      recompile,
      rssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version },
    };
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

const ms = (x: number): number => Math.round(x);

/** A HelmRunner that counts its runs. */
function countingHelm(helm: HelmRunner): { readonly runner: HelmRunner; readonly runs: number } {
  const counter = {
    runs: 0,
    runner: Object.assign((...args: Parameters<HelmRunner>) => {
      counter.runs++;
      return helm(...args);
    }, helm.identity ? { identity: helm.identity } : {}),
  };
  return counter;
}

/** Every cluster's digest after this compile (re-rendered or unchanged), as one sha256. */
function fleetDigest(compiled: CompiledFleet): string {
  const digests = Object.fromEntries(Object.entries(compiled.memo.clusters).map(([name, c]) => [name, c.digest]));
  return createHash('sha256').update(canonicalJson(digests)).digest('hex');
}
