import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

// A small virtual fleet: the real agent and hub on the virtual clock, a second or so of CPU.
describe('driftless bench: the cost line', { timeout: 60_000 }, () => {
  it('prints what the idle fleet costs per month at the 30 s interval, and puts it in --json', async () => {
    const io = captureIo();
    expect(await main(['bench', '--virtual', '--clusters', '10', '--interval', '10s', '--commits', '1', '--steady', '2', '--apps', '2', '--json'], io)).toBe(0);
    const result = JSON.parse(io.out) as { cost: { clusters: number; store: { getPerClusterPerMonth: number; putPerClusterPerMonth: number; usdFleetPerMonth: number } } };
    expect(result.cost.clusters).toBe(10);
    // About one pointer GET per cluster per 30 s poll over 730 hours; at least one heartbeat PUT per 5 minutes.
    expect(result.cost.store.getPerClusterPerMonth).toBeGreaterThan(40_000);
    expect(result.cost.store.putPerClusterPerMonth).toBeGreaterThanOrEqual(8_760);
    expect(result.cost.store.usdFleetPerMonth).toBeGreaterThan(0);
    expect(io.err).toMatch(/bench: bundle mode cost per month at the 30s interval: store [\d,]+ GET \+ [\d,]+ PUT per cluster/);
    expect(io.err).toContain('S3 Standard, us-east-1, list prices');
  });
});
