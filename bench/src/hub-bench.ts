import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '@driftless/core';
import { systemClock } from '@driftless/clock';
import {
  compileFleet,
  DEFAULT_MAX_FILE_BYTES,
  helmRunner,
  kustomizeRunner,
  publishFleet,
  syncGitSource,
  type CompileMemo,
  type PublishMemo,
  type PublishResult,
} from '@driftless/hub';
import { createFileStore } from '@driftless/store';
import { appName, commitFiles, createBareRepo, generateFleet, startGitServer } from '@driftless/testkit';

export interface HubBenchOptions {
  readonly clusters: number;
  readonly apps: number;
  readonly kustomizeBinary: string;
  /** The helm binary, for fleets with Helm chart apps. */
  readonly helmBinary?: string;
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
  readonly result: Omit<PublishResult, 'orphaned' | 'refused' | 'memo'>;
}

export interface HubBenchResult {
  readonly clusters: number;
  readonly apps: number;
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
 * per phase; nothing is asserted here (see bench/RESULTS.md).
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
    await commitFiles(bare, generateFleet({ clusters: opts.clusters, apps: opts.apps }), 'fleet');
    const store = opts.store ?? createFileStore(join(work, 'store'));
    // What `hub compile` keeps in its local state between runs.
    let memo: { compile: CompileMemo; publish: PublishMemo } | undefined;
    const run = async (label: string): Promise<HubRunTimes> => {
      const t0 = performance.now();
      const snapshot = await syncGitSource({ repo: `${server.baseUrl}fleet.git`, cacheDir: join(work, 'cache') });
      const t1 = performance.now();
      const compiled = await compileFleet(snapshot.reader, {
        kustomize: kustomizeRunner({ binary: opts.kustomizeBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES }),
        ...(opts.helmBinary ? { helm: helmRunner({ binary: opts.helmBinary, maxFileBytes: DEFAULT_MAX_FILE_BYTES }) } : {}),
        ...(memo ? { memo: memo.compile } : {}),
      });
      const t2 = performance.now();
      const published = await publishFleet({ store, compiled, clock: systemClock, ...(memo ? { previous: memo.publish } : {}) });
      memo = { compile: compiled.memo, publish: published.memo };
      const { orphaned: _o, refused: _r, memo: _m, ...result } = published;
      const t3 = performance.now();
      const times = { fetchMs: ms(t1 - t0), compileMs: ms(t2 - t1), publishMs: ms(t3 - t2), totalMs: ms(t3 - t0), result };
      log(`bench: ${label}: fetch ${times.fetchMs} ms, compile ${times.compileMs} ms, publish ${times.publishMs} ms (${result.blobsWritten} blobs, ${result.pointersUpdated} pointers)`);
      return times;
    };
    const initial = await run('initial');
    await commitFiles(bare, generateFleet({ clusters: opts.clusters, apps: opts.apps, versions: { [appName(0)]: '1.0.1' } }), 'bump app-00');
    const recompile = await run('recompile');
    const cpu = cpus();
    return {
      clusters: opts.clusters,
      apps: opts.apps,
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
