import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@driftless/clock';
import { canonicalBytes, storeLayout, type Clock, type ObjectStore } from '@driftless/core';
import { coreRolloutMachine, createAuditLog, createDashboard, createRolloutController, FLEET_PAINTED_MARK, startDashboardServer, type DashboardHandler, type FleetSummary } from '@driftless/hub';
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
  /** Loads after the cold one; default 5. */
  readonly warmLoads?: number;
  /** How long each load waits for FLEET_PAINTED_MARK, ms; default 30 000. */
  readonly paintTimeoutMs?: number;
  readonly log: (line: string) => void;
}

/** The dashboard's summary refresh period in the bench: hub serve's default. */
const SUMMARY_REFRESH_MS = 2_000;

/**
 * Seeds a store with `clusters` clusters mid-release, serves createDashboard
 * over it on a real http server and loads the overview in real Chromium:
 * once against the cold server, then `warmLoads` times, each measured from
 * navigation start to FLEET_PAINTED_MARK. Then changes one status and counts
 * the store requests of the one summary refresh that shows it.
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
    const clock = skewedClock(systemClock);
    const token = randomBytes(24).toString('base64url');
    const rollouts = createRolloutController({ store: counted.store, clock, machine: coreRolloutMachine, audit: createAuditLog({ store: counted.store, clock }), newId: randomUUID });
    const auth = { tokens: new Map([[createHash('sha256').update(token).digest('hex'), 'bench']]) };
    const timed = timeFirstSummary(createDashboard({ store: counted.store, clock, auth, rollouts, summaryRefreshMs: SUMMARY_REFRESH_MS }));
    const server = await startDashboardServer(timed.handler, { port: 0 });
    try {
      const loads = await measureLoads(`${server.url}#token=${token}`, opts.warmLoads ?? 5, paintTimeoutMs, log);
      const refresh = await measureRefresh({ store: target.store, counted, clock, fleet, url: server.url, token });
      const summaryBuildMs = timed.firstMs();
      const measures: DashboardBenchMeasures = { clusters: opts.clusters, store: target.kind, seedMs, paintTimeoutMs, cold: { paintMs: loads.cold, ...(summaryBuildMs === undefined ? {} : { summaryBuildMs }) }, warm: loads.warm, refresh };
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

/** The system clock, movable forward: the bench makes the summary due for a refresh without waiting for it. */
function skewedClock(base: Clock): Clock & { skip(ms: number): void } {
  let skew = 0;
  return {
    now: () => base.now() + skew,
    sleep: (ms, signal) => base.sleep(ms, signal),
    skip: (ms) => {
      skew += ms;
    },
  };
}

/** Wraps the dashboard's handler, timing the first GET /api/v1/fleet answered 200 from its arrival to its last byte (the first summary's build). */
function timeFirstSummary(dashboard: DashboardHandler): { handler: DashboardHandler; firstMs(): number | undefined } {
  let first: number | undefined;
  let started = false;
  const handler: DashboardHandler = (req, res) => {
    if (!started && req.method === 'GET' && (req.url ?? '').startsWith('/api/v1/fleet')) {
      started = true;
      const t0 = performance.now();
      res.once('finish', () => {
        // Only an answered summary counts (not a 401 or an API that is not there yet).
        if (res.statusCode === 200) first = performance.now() - t0;
        else started = false;
      });
    }
    return dashboard(req, res);
  };
  return { handler, firstMs: () => first };
}

/** The cold load, then `warm` more, each in a fresh page of one Chromium: ms from navigation start to the paint mark. */
async function measureLoads(url: string, warm: number, timeoutMs: number, log: (line: string) => void): Promise<{ cold: PaintFigure; warm: PaintFigure[] }> {
  const browser = await launchChromium();
  try {
    const load = async (): Promise<PaintFigure> => {
      const page = await browser.newPage();
      try {
        await page.goto(url);
        const mark = await page.waitForFunction((name) => performance.getEntriesByName(name)[0]?.startTime, FLEET_PAINTED_MARK, { timeout: timeoutMs });
        return (await mark.jsonValue()) ?? undefined;
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') return undefined;
        throw err;
      } finally {
        await page.close();
      }
    };
    const cold = await load();
    log(`bench: cold load: ${cold === undefined ? `no paint mark within ${Math.round(timeoutMs / 1000)} s` : `painted at ${Math.round(cold)} ms`}`);
    const times: PaintFigure[] = [];
    for (let i = 0; i < warm; i++) times.push(await load());
    log(`bench: warm loads: ${times.map((t) => (t === undefined ? 'none' : `${Math.round(t)} ms`)).join(', ')}`);
    return { cold, warm: times };
  } finally {
    await browser.close();
  }
}

/**
 * One cluster that reports Applied turns Failed; the summary is made due
 * (the clock skipped past its refresh period) and fetched once: the store
 * requests of that one refresh, and whether its counts show the change.
 */
async function measureRefresh(ctx: {
  store: ObjectStore;
  counted: ReturnType<typeof countingStore>;
  clock: ReturnType<typeof skewedClock>;
  fleet: SeededFleet;
  url: string;
  token: string;
}): Promise<DashboardBenchMeasures['refresh']> {
  // Failed counts, or undefined when the API does not answer (reported as a change not shown).
  const failedCount = async (): Promise<number | undefined> => {
    const res = await fetch(new URL('api/v1/fleet', ctx.url), { headers: { authorization: `Bearer ${ctx.token}` } });
    return res.ok ? (((await res.json()) as FleetSummary).byPhase.Failed ?? 0) : undefined;
  };
  ctx.clock.skip(SUMMARY_REFRESH_MS + 1);
  const before = await failedCount();
  const i = ctx.fleet.names.findIndex((_, k) => ctx.fleet.phaseOf(k) === 'Applied');
  await ctx.store.put(storeLayout.status(ctx.fleet.names[i] ?? ''), canonicalBytes(ctx.fleet.status(i, 'Failed', ctx.clock.now())), { contentType: 'application/json' });
  ctx.clock.skip(SUMMARY_REFRESH_MS + 1);
  ctx.counted.reset();
  const after = await failedCount();
  return { requests: ctx.counted.counts(), reflected: before !== undefined && after === before + 1 };
}
