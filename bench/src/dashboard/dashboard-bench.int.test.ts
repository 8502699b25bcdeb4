import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDashboardBench } from './dashboard-bench.js';
import { formatDashboardReport } from './dashboard-report.js';

describe('driftless bench --dashboard (file: store, real http server, real Chromium)', () => {
  it('seeds 200 clusters, records the overview painting in every load, and counts the requests of one refresh', async () => {
    const lines: string[] = [];
    const dir = await mkdtemp(join(tmpdir(), 'driftless-dashboard-bench-test-'));
    const screenshotPath = join(dir, 'overview.png');
    const report = await runDashboardBench({ clusters: 200, s3: false, warmLoads: 2, screenshotPath, log: (l) => lines.push(l) });
    const text = formatDashboardReport(report);

    // The UI sets FLEET_PAINTED_MARK once it drew the grid: until it does, this fails here with the report's reason.
    expect(report.first.paintMs, text).toEqual(expect.any(Number));
    expect(report.warm, text).toEqual([expect.any(Number), expect.any(Number)]);
    // The server's first summary build, before the first load, is reported.
    expect(text).toMatch(/^ {2}start {7}first fleet summary built in \d+ ms/m);
    // The changed status is fetched, and the summary shows it.
    expect(report.refresh.reflected, text).toBe(true);
    expect(report.refresh.requests['get'], text).toBeGreaterThanOrEqual(1);

    // The report's shape: the figures and a verdict against the goal (no wall-clock range asserted: that is the bench's job).
    expect(report.goal).toMatchObject({ maxPaintMs: 2_000, atClusters: 10_000, verdict: expect.stringMatching(/^(MET|MISS)$/) as unknown });
    expect(text).toMatch(/^dashboard bench: 200 clusters in a file: store/);
    expect(text).toMatch(/^goal: first meaningful paint <= 2 s at 10,000 clusters: (MET|MISS) \(.*measured at 200 clusters/m);
    expect(lines.some((l) => l.startsWith('bench: first load'))).toBe(true);
    // The first load, as drawn, saved as a PNG (its signature).
    expect((await readFile(screenshotPath)).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    await rm(dir, { recursive: true, force: true });
  });
});
