import { describe, expect, it } from 'vitest';
import { runBreachBench } from './rollout-breach.js';

// CPU-bound seconds on a busy 2-core machine; nothing here measures time: the clock is virtual.
describe('the metric-gate bench on a virtual clock', { timeout: 120_000 }, () => {
  it('halts ring-0 after the breach held for, and reverts every ring-0 cluster to its last good bundle', async () => {
    const r = await runBreachBench({ virtual: true, clusters: 60, intervalMs: 10_000, jitter: 0.5, seed: 3, apps: 3, stepMs: 2_000 });
    expect(r.ring).toEqual({ name: 'ring-0', clusters: 6, breaching: 1 });
    expect(r.check.forMs).toBe(6_000);
    expect(r.breachStartMs).not.toBeNull();
    expect(r.haltReason).toContain('error-rate');
    expect(r.haltReason).toContain('c-00000');

    // The halt cannot come before the breach held `for`, nor (here, on an idle virtual clock) after one more step.
    expect(r.breachToHalt.ms).toBeGreaterThanOrEqual(6_000);
    expect(r.breachToHalt).toMatchObject({ goalMs: 8_000, met: true });
    // Every ring-0 cluster is stateless and had a bundle before: all six go back, each within about one jittered poll.
    expect(r.haltToReverted).toMatchObject({ reverted: 6, back: 6, goalMs: 12_000 });
    expect(r.haltToReverted.ms).toBeLessThanOrEqual(15_000 + 1_000);
    expect(r.stepSamples.reduce((n, s) => n + s.reverted, 0)).toBe(6);
    expect(r.steps.errors).toBe(0);
    expect(r.metricQueries).toBeGreaterThan(0);
  });
});
