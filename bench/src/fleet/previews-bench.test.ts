import { describe, expect, it } from 'vitest';
import { runPreviewsBench } from './previews-bench.js';

// CPU-bound seconds on a busy 2-core machine; nothing here measures time: the clock is virtual.
describe('the previews bench on a virtual clock', { timeout: 180_000 }, () => {
  const opts = { clusters: 20, hosts: 4, intervalMs: 30_000, jitter: 0.5, seed: 3, apps: 3 } as const;

  it('brings a pushed branch up on every host within one hub poll plus one agent interval, and its namespace down after the branch is deleted', async () => {
    const r = await runPreviewsBench(opts);
    expect(r.hosts).toHaveLength(4);
    expect(r.namespace).toBe('pr-feature-bench');
    expect(r.pushToApplied).toMatchObject({ hosts: 4, reached: 4, goalMs: 55_000, met: true });
    expect(r.deleteToGone).toMatchObject({ hosts: 4, reached: 4, goalMs: 55_000, met: true });
    // The hub's share: the host pointers carry the preview within one poll (plus its cycle's store requests).
    expect(r.pushToPointerMs.max).toBeLessThanOrEqual(10_000 + 2_000);
    expect(r.deleteToPointerMs.max).toBeLessThanOrEqual(10_000 + 2_000);
    for (const h of r.perHost) {
      expect(h.appliedMs).toBeGreaterThan(h.pointerMs!);
      expect(h.goneMs).toBeGreaterThan(h.pointerClearedMs!);
    }
    expect(r.previewCycles.failed).toBe(0);
    expect(r.clusterErrors.total).toBe(0);
  });

  it('the same seed gives the same figures', async () => {
    const [a, b] = [await runPreviewsBench(opts), await runPreviewsBench(opts)];
    const figures = (r: typeof a): unknown => ({ push: r.pushAtMs, del: r.deleteAtMs, perHost: r.perHost, applied: r.pushToApplied, gone: r.deleteToGone });
    expect(figures(b)).toEqual(figures(a));
    const other = await runPreviewsBench({ ...opts, seed: 4 });
    expect(figures(other)).not.toEqual(figures(a));
  });
});
