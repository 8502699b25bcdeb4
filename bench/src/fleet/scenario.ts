import type { Clock } from '@driftless/core';
import { commitDeadlineMs, type FleetScenario } from '@driftless/testkit';
import type { FleetRecorder } from './recorder.js';

/** Totals a driver keeps, read before and after the steady-state window. */
export interface DriverCounts {
  /** Requests the simulated clusters sent to the object store. */
  readonly storeRequests: number;
  /** Requests the hub sent to the object store (0 in git mode). */
  readonly hubStoreRequests: number;
  /** Requests the git server answered (hub and clusters). */
  readonly gitRequests: number;
  /** Fetches the git server served: one `info/refs` per fetch or clone. */
  readonly gitFetches: number;
  /** Passes of the simulated clusters (pointer reads; git mode: fetch attempts). */
  readonly polls: number;
  /** The simulated clusters' store requests by kind (zeros in git mode). */
  readonly store: { readonly get200: number; readonly get304: number; readonly put: number; readonly list: number; readonly bytesDown: number };
}

/** What runs a scenario: real servers and the real clock, or the virtual clock and in-memory store. */
export interface ScenarioDriver {
  readonly clock: Clock;
  readonly recorder: FleetRecorder;
  /**
   * Makes commit `k` (0 brings the fleet up) and publishes it, telling the
   * recorder which clusters must apply what, and when it was published.
   */
  publish(k: number): Promise<void>;
  startFleet(): void;
  /** Stops the simulated clusters (and whatever samples them); safe to call more than once. */
  stopFleet(): Promise<void>;
  /** Lets the fleet run until `untilMs` (the driver's clock) or until `done()` holds, whichever is first. */
  runUntil(untilMs: number, done?: () => boolean): Promise<void>;
  counts(): DriverCounts;
}

export interface ScenarioOptions {
  /** Its steady state and deadlines (the drivers read its fleet and commits). */
  readonly scenario: FleetScenario;
  readonly intervalMs: number;
  readonly jitter: number;
  readonly commits: number;
  /** Intervals of steady state, after the fleet converged on commit 0 and before commit 1. Default: the scenario's. */
  readonly steadyIntervals?: number;
  readonly progress?: (line: string) => void;
}

/** What the scenario measured beyond the recorder's convergence data. */
export interface ScenarioMeasures {
  /** Store requests per cluster per interval while nothing changed. */
  readonly idleStorePerClusterInterval: number;
  /** Git requests per cluster per interval while nothing changed. */
  readonly idleGitPerClusterInterval: number;
  /** The steady-state window itself: its length, ms, and the clusters' store requests in it by kind (GETs: 200, 304 and 404), for the cost line. */
  readonly idleWindow: { readonly ms: number; readonly storeGet: number; readonly storePut: number; readonly storeList: number };
  /** CPU ms per poll during the steady window. */
  readonly cpuMsPerPoll: number;
  /** Git fetches per measured commit, from its publish until the fleet converged on it. */
  readonly fetchesPerCommit: number;
  /** The hub's store requests per measured commit (its publish). */
  readonly hubStoreRequestsPerCommit: number;
}

/**
 * The benchmark's scenario: commit 0 brings the fleet up and it converges;
 * a steady state of a few intervals measures what an idle fleet costs; then
 * each of `commits` further commits is published, and the run waits until
 * every cluster that must apply it has reported it, or until its deadline
 * (by default three of the longest jittered intervals plus 30 s), before the next one.
 */
export async function runScenario(driver: ScenarioDriver, clusters: number, opts: ScenarioOptions): Promise<ScenarioMeasures> {
  try {
    return await scenario(driver, clusters, opts);
  } finally {
    // Also after a failure (a compile that throws): nothing of the fleet may keep running.
    await driver.stopFleet();
  }
}

async function scenario(driver: ScenarioDriver, clusters: number, opts: ScenarioOptions): Promise<ScenarioMeasures> {
  const { clock, recorder } = driver;
  const progress = opts.progress ?? (() => undefined);
  const deadline = (): number => clock.now() + commitDeadlineMs(opts.intervalMs, opts.jitter, opts.scenario);
  const converged = (): boolean => recorder.pending === 0;

  recorder.beginCommit();
  await driver.publish(0);
  driver.startFleet();
  progress(`commit 0 published; waiting for ${recorder.pending} clusters to converge`);
  await driver.runUntil(deadline(), converged);
  progress(`commit 0: ${clusters - recorder.pending}/${clusters} clusters applied; ${recorder.errorSummary().total} cluster errors so far`);

  const steadyMs = (opts.steadyIntervals ?? opts.scenario.steadyIntervals) * opts.intervalMs;
  const before = driver.counts();
  const cpuBefore = process.cpuUsage();
  await driver.runUntil(clock.now() + steadyMs);
  const cpu = process.cpuUsage(cpuBefore);
  const after = driver.counts();
  const perClusterInterval = (n: number): number => (steadyMs === 0 ? 0 : round3(n / clusters / (steadyMs / opts.intervalMs)));
  const polls = after.polls - before.polls;
  progress(`steady state: ${polls} polls, ${after.storeRequests - before.storeRequests} store requests, ${after.gitRequests - before.gitRequests} git requests`);

  let fetches = 0;
  let hubRequests = 0;
  for (let k = 1; k <= opts.commits; k++) {
    recorder.beginCommit();
    const atStart = driver.counts();
    await driver.publish(k);
    hubRequests += driver.counts().hubStoreRequests - atStart.hubStoreRequests;
    await driver.runUntil(deadline(), converged);
    fetches += driver.counts().gitFetches - atStart.gitFetches;
    const p = recorder.progress();
    progress(`commit ${k}/${opts.commits}: ${p.applied}/${p.total} clusters applied, p99 ${p.percentiles.p99} ms; ${recorder.errorSummary().total} cluster errors so far`);
  }
  return {
    idleStorePerClusterInterval: perClusterInterval(after.storeRequests - before.storeRequests),
    idleGitPerClusterInterval: perClusterInterval(after.gitRequests - before.gitRequests),
    idleWindow: idleWindow(steadyMs, before, after),
    cpuMsPerPoll: polls === 0 ? 0 : round3((cpu.user + cpu.system) / 1000 / polls),
    fetchesPerCommit: opts.commits === 0 ? 0 : round3(fetches / opts.commits),
    hubStoreRequestsPerCommit: opts.commits === 0 ? 0 : round3(hubRequests / opts.commits),
  };
}

function idleWindow(ms: number, before: DriverCounts, after: DriverCounts): ScenarioMeasures['idleWindow'] {
  const storePut = after.store.put - before.store.put;
  const storeList = after.store.list - before.store.list;
  return { ms, storeGet: after.storeRequests - before.storeRequests - storePut - storeList, storePut, storeList };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
