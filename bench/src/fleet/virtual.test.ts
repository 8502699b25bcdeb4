import { describe, expect, it } from 'vitest';
import type { TraceEvent } from './recorder.js';
import { runFleetBench, type FleetBenchOptions, type FleetBenchRun } from './run-fleet-bench.js';

const small: FleetBenchOptions = { mode: 'bundle', virtual: true, clusters: 40, intervalMs: 10_000, jitter: 0.5, commits: 2, seed: 7, apps: 3, workers: 2, trace: true };

/** What a run measured, without what only the machine decides (memory, CPU, and how many threads ran it). */
const measured = (run: FleetBenchRun): Record<string, unknown> => {
  const { rssMB: _rss, cpuMsPerPoll: _cpu, workers: _workers, ...rest } = run.result;
  return rest;
};

/** Every publish in the trace is followed by the same cluster reporting that digest applied. */
const everyPublishApplied = (trace: readonly TraceEvent[]): boolean =>
  trace.every((p, i) => p.what !== 'publish' || trace.slice(i).some((a) => a.what === 'applied' && a.cluster === p.cluster && a.digest === p.digest));

// Each run compiles and simulates a whole fleet: CPU-bound seconds, more than the unit default
// allows on a busy 2-core machine. Nothing here measures time: the clock is virtual.
// The shards run in worker threads, from dist/ (built by the test setup, test/build-setup.ts).
describe('the fleet benchmark on a virtual clock', { timeout: 180_000 }, () => {
  it('replays the same events and counts for the same seed with 1, 2 and 3 threads, and different ones for another seed', async () => {
    const base = { ...small, clusters: 60 };
    const [one, two, three] = [await runFleetBench({ ...base, workers: 1 }), await runFleetBench({ ...base, workers: 2 }), await runFleetBench({ ...base, workers: 3 })];
    const other = await runFleetBench({ ...base, seed: 8 });
    expect([one.result.workers, two.result.workers, three.result.workers]).toEqual([1, 2, 3]);
    // Not trivially equal: every cluster applied commit 0 and both measured commits, every one it was given.
    expect(one.result.failedClusters).toBe(0);
    expect(one.trace?.filter((e) => e.what === 'publish').length).toBeGreaterThan(60);
    expect(everyPublishApplied(one.trace ?? [])).toBe(true);
    expect(two.trace).toEqual(one.trace);
    expect(three.trace).toEqual(one.trace);
    expect(measured(two)).toEqual(measured(one));
    expect(measured(three)).toEqual(measured(one));
    expect(two.report.convergenceSamplesMs).toEqual(one.report.convergenceSamplesMs);
    expect(three.report.timeline).toEqual(one.report.timeline);
    expect(other.trace).not.toEqual(one.trace);
  });

  it('converges every cluster on every commit, reading Git once per commit and polling with conditional GETs', async () => {
    const { result, report } = await runFleetBench(small);
    expect(result.failedClusters).toBe(0);
    // Commit 1 changes the app of ring 0 (4 of 40 clusters), commit 2 an app of every cluster.
    expect(report.convergenceSamplesMs).toHaveLength(4 + 40);
    expect(result.git.fetchesPerCommit).toBe(1);
    // The real hub published: per changed cluster its blob (put-if-absent), its old bundle read
    // by the mass-prune guard and its pointer's compare-and-swap; per commit the publish marker
    // (read, written), the freeze and the flag overrides (read; again after a publish that moved pointers: a racing
    // flag set, review 14a #1), the revision record (read, written) and its audit entry (the head
    // hint and the newest entry read, the next seq probed, the entry and the hint written). None of it counts as the clusters'.
    expect(result.hub.storeRequestsPerCommit).toBe((3 * 4 + 7 + 5 + (3 * 40 + 7 + 5)) / 2);
    // Idle: one pointer read per cluster per interval, answered 304; no status writes without a change.
    expect(result.idle.storeRequestsPerClusterPerInterval).toBeGreaterThan(0.5);
    expect(result.idle.storeRequestsPerClusterPerInterval).toBeLessThanOrEqual(1.5);
    // The cost line: those GETs at one poll per 30 s over a month, and (no write in a 20 s window) one heartbeat PUT per 5 minutes.
    expect(result.idle.storeGetPerClusterPerInterval).toBe(result.idle.storeRequestsPerClusterPerInterval);
    expect(result.cost.store.getPerClusterPerMonth / 87_600).toBeCloseTo(result.idle.storeGetPerClusterPerInterval, 2);
    expect(result.cost.store).toMatchObject({ putPerClusterPerMonth: 8_760, putsFrom: 'heartbeat' });
    expect(result.cost.git.getPerClusterPerMonth).toBe(0);
    // Each cluster read each new pointer and its bundle once: 40 + 4 + 40 pointer changes.
    expect(result.store.get200).toBe(2 * (40 + 4 + 40));
    expect(result.store.get304).toBeGreaterThan(0);
    // Pure polling cannot beat the longest jittered pause plus fetch-and-apply: nothing slower either.
    expect(result.convergenceMs.max).toBeLessThanOrEqual(result.boundMs);
    expect(result.convergenceMs.p50).toBeGreaterThan(0);
  });
});
