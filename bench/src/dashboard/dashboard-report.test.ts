import { describe, expect, it } from 'vitest';
import { dashboardBenchReport, formatDashboardReport, type DashboardBenchMeasures } from './dashboard-report.js';

const measures = (over: Partial<DashboardBenchMeasures> = {}): DashboardBenchMeasures => ({
  clusters: 10_000,
  store: 'file',
  seedMs: 12_345,
  paintTimeoutMs: 30_000,
  first: { paintMs: 1_500, summaryBuildMs: 900 },
  warm: [400, 300, 500, 350, 450],
  refresh: { requests: { list: 10, get: 1, put: 0 }, reflected: true },
  ...over,
});

describe('dashboardBenchReport', () => {
  it('meets the goal when every load, the first included, painted within 2 s at 10,000 clusters', () => {
    const r = dashboardBenchReport(measures());
    expect(r.goal).toEqual({ maxPaintMs: 2_000, atClusters: 10_000, worstPaintMs: 1_500, verdict: 'MET' });
    expect(formatDashboardReport(r).split('\n')).toEqual([
      'dashboard bench: 10000 clusters in a file: store (seeded in 12.3 s)',
      '  start       first fleet summary built in 900 ms (hub serve builds it before the first page asks)',
      '  first load  first paint 1500 ms (a fresh browser)',
      '  warm loads  first paint median 400 ms, max 500 ms (5 loads)',
      '  refresh     one status changed: 11 store requests (list 10, get 1), the change shown',
      'goal: first meaningful paint <= 2 s at 10,000 clusters: MET',
    ]);
  });

  it('misses on the slowest load, the first one over 2 s', () => {
    const r = dashboardBenchReport(measures({ first: { paintMs: 2_001, summaryBuildMs: 900 } }));
    expect(r.goal).toMatchObject({ worstPaintMs: 2_001, verdict: 'MISS', note: 'the slowest load painted in 2001 ms' });
    expect(formatDashboardReport(r)).toContain('  first load  first paint 2001 ms (a fresh browser)\n');
  });

  it('misses, saying so, when a load never set the paint mark', () => {
    const r = dashboardBenchReport(measures({ first: { paintMs: undefined, summaryBuildMs: 900 }, warm: [300, undefined] }));
    expect(r.goal).toMatchObject({ worstPaintMs: undefined, verdict: 'MISS', note: '2 of 3 loads: no paint mark within 30 s' });
    const text = formatDashboardReport(r);
    expect(text).toContain('first load  first paint no paint mark within 30 s');
    expect(text).toContain('warm loads  300 ms, no paint mark within 30 s');
    expect(text).toMatch(/: MISS \(2 of 3 loads: no paint mark within 30 s\)$/);
  });

  it('says the warm loads were skipped when the first one never painted', () => {
    const r = dashboardBenchReport(measures({ first: { paintMs: undefined, summaryBuildMs: 900 }, warm: [] }));
    expect(r.goal).toMatchObject({ verdict: 'MISS', note: '1 of 1 loads: no paint mark within 30 s' });
    expect(formatDashboardReport(r)).toContain('  warm loads  skipped: the first load did not paint\n');
  });

  it('says when the fleet was smaller than the goal is stated at', () => {
    const r = dashboardBenchReport(measures({ clusters: 200 }));
    expect(r.goal).toMatchObject({ verdict: 'MET', note: 'measured at 200 clusters, the goal is stated at 10,000' });
  });
});
