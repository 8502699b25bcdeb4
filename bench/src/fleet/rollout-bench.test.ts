import { describe, expect, it } from 'vitest';
import { runRolloutBench, type RolloutBenchOptions } from './rollout-bench.js';
import type { RolloutBenchReport } from './rollout-result.js';

// A long heartbeat, so that an idle interval has no status write at all.
const small: RolloutBenchOptions = { virtual: true, clusters: 60, intervalMs: 10_000, jitter: 0.5, seed: 3, apps: 3, stepMs: 5_000, heartbeatMs: 3_600_000 };

/** The report without what depends on the machine (wall time, memory, dates). */
function figures(r: RolloutBenchReport): unknown {
  return {
    release: r.release,
    halt: r.halt,
    idle: r.idle,
    steps: r.stepSamples.map(({ wallMs: _w, ...s }) => s),
    clusterErrors: r.clusterErrors,
  };
}

// Each run compiles and simulates a whole fleet: CPU-bound seconds, more than the unit default
// allows on a busy 2-core machine. Nothing here measures time: the clock is virtual.
describe('the rollout bench on a virtual clock', { timeout: 120_000 }, () => {
  it('applies ring after ring, halts at the step after the failing status, and reads no status while idle', async () => {
    const r = await runRolloutBench(small);
    const [ring0, ring1, ring2] = r.release.rings;
    expect(r.release.rings.map((g) => [g.name, g.clusters])).toEqual([
      ['ring-0', 6],
      ['ring-1', 6],
      ['ring-2', 48],
    ]);
    // Every ring fully applied, and each one's first apply after the previous one's last plus the soak.
    for (const g of r.release.rings) expect(g.fullyAppliedMs).not.toBeNull();
    expect(ring1?.firstAppliedMs).toBeGreaterThan((ring0?.fullyAppliedMs ?? Infinity) + r.soakMs);
    expect(ring2?.firstAppliedMs).toBeGreaterThan((ring1?.fullyAppliedMs ?? Infinity) + r.soakMs);
    expect(r.release.completedMs).toBeGreaterThanOrEqual(ring2?.fullyAppliedMs ?? Infinity);

    // The failing cluster's status is seen by the next step, which halts the rollout.
    expect(r.halt.failingStatusMs).not.toBeNull();
    expect(r.halt.stepsToHalt).toBe(1);
    expect(r.halt.haltAfterMs).toBeLessThanOrEqual(r.stepMs + 1_000);
    expect(r.halt.reason).toContain('c-00000');

    // One listing page per step (120 keys); while idle, a GET only for a status that changed,
    // and none once the last applies' status writes are read (the heartbeat is an hour).
    expect(r.steps.listPages).toEqual({ median: 1, max: 1 });
    expect(r.idle.steps).toBeGreaterThan(2);
    expect(r.idle.statusGets).toBeLessThanOrEqual(r.idle.statusWrites);
    expect(r.idle.lastStepStatusGets).toBe(0);
    expect(r.steps.errors).toBe(0);
  });

  it('gives the same figures for the same seed, apart from wall time, on 1 thread as on 3 (the clusters in shards)', async () => {
    const a = await runRolloutBench({ ...small, workers: 1 });
    const b = await runRolloutBench({ ...small, workers: 3 });
    const c = await runRolloutBench({ ...small, seed: 4 });
    expect([a.workers, b.workers]).toEqual([1, 3]);
    expect(a.halt.stepsToHalt).toBe(1);
    expect(figures(b)).toEqual(figures(a));
    expect(figures(c)).not.toEqual(figures(a));
  });
});
