import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@driftless/clock';
import { canonicalBytes, storeLayout, type Clock, type ObjectStore } from '@driftless/core';
import { coreRolloutMachine, createAuditLog, createDashboard, createRolloutController, FLEET_PAINTED_MARK, startDashboardServer, type Dashboard, type FleetSummary } from '@driftless/hub';
import { createFileStore } from '@driftless/store';
import { launchChromium, s3StoreFor, startEnvironment } from '@driftless/testkit';
import { countingStore } from './counting-store.js';
import { dashboardBenchReport, type DashboardBenchMeasures, type DashboardBenchReport, type PaintFigure } from './dashboard-report.js';
import { seedDashboardFleet, type SeededFleet } from './dashboard-seed.js';

/** `driftless bench --dashboard`. */
export interface DashboardBenchOptions {
  readonly clusters: number;
  /** Seed the local MinIO (started for the run) instead of a `file:` store. */
  readonly s3: boolean;
  /** Loads after the first one; default 5. */
  readonly warmLoads?: number;
  /** How long each load waits for FLEET_PAINTED_MARK, ms; default 30 000. */
  readonly paintTimeoutMs?: number;
  /** Where to save a PNG of the first load once it painted (the overview as drawn at this size). */
  readonly screenshotPath?: string;
  readonly log: (line: string) => void;
}

/** The dashboard's summary refresh period in the bench: hub serve's default. */
const SUMMARY_REFRESH_MS = 2_000;

/**
 * Seeds a store with `clusters` clusters mid-release, serves createDashboard
 * over it on a real http server and loads the overview in real Chromium:
 * first in a fresh browser right after the server built its first summary
 * (as `hub serve` does at start; that build is timed), then `warmLoads`
 * times, each measured from navigation start to FLEET_PAINTED_MARK. Then
 * changes one status and counts the store requests of the one summary
 * refresh that shows it.
 */
export async function runDashboardBench(opts: DashboardBenchOptions): Promise<DashboardBenchReport> {
  const { log } = opts;
  const paintTimeoutMs = opts.paintTimeoutMs ?? 30_000;
  const target = await openStore(opts.s3, log);
  try {
    log(`bench: seeding ${opts.clusters} clusters into a ${target.kind}: store`);
    const t0 = performance.now();
    const fleet = await seedDashboardFleet(target.store, opts.clusters, systemClock.now());
    const seedMs = performance.now() - t0;
    const counted = countingStore(target.store);
    const clock = systemClock;
    const token = randomBytes(24).toString('base64url');
    const rollouts = createRolloutController({ store: counted.store, clock, machine: coreRolloutMachine, audit: createAuditLog({ store: counted.store, clock }), newId: randomUUID });
    const auth = { tokens: new Map([[createHash('sha256').update(token).digest('hex'), 'bench']]) };
    const dashboard = createDashboard({ store: counted.store, clock, auth, rollouts, summaryRefreshMs: SUMMARY_REFRESH_MS });
    const t1 = performance.now();
    await dashboard.fleet.snapshot();
    const summaryBuildMs = performance.now() - t1;
    log(`bench: first fleet summary built in ${Math.round(summaryBuildMs)} ms`);
    const server = await startDashboardServer(dashboard, { port: 0 });
    try {
      const loads = await measureLoads(`${server.url}#token=${token}`, { warm: opts.warmLoads ?? 5, timeoutMs: paintTimeoutMs, ...(opts.screenshotPath ? { screenshotPath: opts.screenshotPath } : {}) }, log);
      const refresh = await measureRefresh({ store: target.store, counted, clock, fleet, dashboard, url: server.url, token });
      const measures: DashboardBenchMeasures = { clusters: opts.clusters, store: target.kind, seedMs, paintTimeoutMs, first: { paintMs: loads.first, summaryBuildMs }, warm: loads.warm, refresh };
      return dashboardBenchReport(measures);
    } finally {
      await server.close();
    }
  } finally {
    await target.close();
  }
}

async function openStore(s3: boolean, log: (line: string) => void): Promise<{ kind: 'file' | 's3'; store: ObjectStore; close(): Promise<void> }> {
  if (s3) {
    const env = await startEnvironment({ log });
    return { kind: 's3', store: s3StoreFor(env.info, `dashboard-bench-${randomUUID()}`), close: () => env.stop() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'driftless-dashboard-bench-'));
  return { kind: 'file', store: createFileStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
}

/** The first load (a fresh browser), then `warm` more, each in a fresh page of one Chromium: ms from navigation start to the paint mark. */
async function measureLoads(url: string, o: { readonly warm: number; readonly timeoutMs: number; readonly screenshotPath?: string }, log: (line: string) => void): Promise<{ first: PaintFigure; warm: PaintFigure[] }> {
  const { warm, timeoutMs } = o;
  const browser = await launchChromium();
  try {
    const load = async (screenshotPath?: string): Promise<PaintFigure> => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      try {
        await page.goto(url);
        const mark = await page.waitForFunction((name) => performance.getEntriesByName(name)[0]?.startTime, FLEET_PAINTED_MARK, { timeout: timeoutMs });
        const paintMs = (await mark.jsonValue()) ?? undefined;
        if (screenshotPath !== undefined) await page.screenshot({ path: screenshotPath, fullPage: true });
        return paintMs;
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') return undefined;
        throw err;
      } finally {
        await page.close();
      }
    };
    const first = await load(o.screenshotPath);
    log(`bench: first load: ${first === undefined ? `no paint mark within ${Math.round(timeoutMs / 1000)} s` : `painted at ${Math.round(first)} ms`}`);
    const times: PaintFigure[] = [];
    for (let i = 0; i < warm; i++) times.push(await load());
    log(`bench: warm loads: ${times.map((t) => (t === undefined ? 'none' : `${Math.round(t)} ms`)).join(', ')}`);
    return { first, warm: times };
  } finally {
    await browser.close();
  }
}

/**
 * One cluster that reports Applied turns Failed; the summary is refreshed
 * once: the store requests of that one refresh, and whether the API's counts
 * show the change.
 */
async function measureRefresh(ctx: {
  store: ObjectStore;
  counted: ReturnType<typeof countingStore>;
  clock: Clock;
  fleet: SeededFleet;
  dashboard: Dashboard;
  url: string;
  token: string;
}): Promise<DashboardBenchMeasures['refresh']> {
  // Failed counts, or undefined when the API does not answer (reported as a change not shown).
  const failedCount = async (): Promise<number | undefined> => {
    const res = await fetch(new URL('api/v1/fleet', ctx.url), { headers: { authorization: `Bearer ${ctx.token}` } });
    return res.ok ? (((await res.json()) as FleetSummary).byPhase.Failed ?? 0) : undefined;
  };
  await ctx.dashboard.fleet.refresh();
  const before = await failedCount();
  const i = ctx.fleet.names.findIndex((_, k) => ctx.fleet.phaseOf(k) === 'Applied');
  await ctx.store.put(storeLayout.status(ctx.fleet.names[i] ?? ''), canonicalBytes(ctx.fleet.status(i, 'Failed', ctx.clock.now())), { contentType: 'application/json' });
  ctx.counted.reset();
  await ctx.dashboard.fleet.refresh();
  const requests = ctx.counted.counts();
  const after = await failedCount();
  return { requests, reflected: before !== undefined && after === before + 1 };
}
