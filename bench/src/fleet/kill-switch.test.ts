import { describe, expect, it } from 'vitest';
import { runKillSwitchBench } from './kill-switch.js';

// CPU-bound seconds on a busy 2-core machine; nothing here measures time: the clock is virtual.
describe('the kill-switch bench on a virtual clock', { timeout: 120_000 }, () => {
  it('moves every pointer past the freeze and times each cluster from flag set to the overridden bundle applied', async () => {
    const r = await runKillSwitchBench({ virtual: true, clusters: 60, intervalMs: 10_000, jitter: 0, seed: 5, apps: 3 });
    expect(r.frozen).toBe(true);
    // Every cluster runs app-01, so every cluster's bundle carries the flag and changes.
    expect(r.flagSet.pointers).toBe(60);
    expect(r.propagation).toMatchObject({ affected: 60, reached: 60, goalMs: 12_000 });
    expect(r.clusterErrors.total).toBe(0);
    // No jitter: each agent's next poll is at most one interval after its pointer moved, plus its fetch and apply.
    expect(r.fromPointerMs.max).toBeLessThanOrEqual(10_000 + 1_000);
    expect(r.propagation.maxMs).toBeLessThanOrEqual(r.flagSet.lastPointerMs! + 11_000);
    expect(r.propagation.p50Ms).toBeLessThanOrEqual(r.propagation.p99Ms!);
    expect(r.flagSet.firstPointerMs).toBeGreaterThan(0);
  });
});
