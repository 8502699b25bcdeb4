import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'driftless.js');
const out = mkdtempSync(join(tmpdir(), 'driftless-bench-out-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('driftless bench', () => {
  it('runs a small fleet in a worker thread against its own real servers, and writes the report and chart', async () => {
    const args = ['bench', '--clusters', '20', '--interval', '1s', '--commits', '1', '--steady', '1', '--apps', '2', '--out', out, '--json'];
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 16 * 1024 * 1024 });
    const result = JSON.parse(stdout) as {
      failedClusters: number;
      git: { fetchesPerCommit: number };
      store: { get200: number };
      convergenceMs: { p99: number };
      boundMs: number;
    };
    expect(result.failedClusters).toBe(0);
    expect(result.git.fetchesPerCommit).toBe(1);
    // Every cluster read each new pointer and its bundle once: 20 at first, then the 2 of ring 0.
    expect(result.store.get200).toBe(2 * (20 + 2));
    expect(stderr).toContain('bench: commit 1/1: 2/2 clusters applied');
    const report = JSON.parse(readFileSync(join(out, 'bundle.json'), 'utf8')) as { convergenceSamplesMs: number[] };
    expect(report.convergenceSamplesMs).toHaveLength(2);
    expect(readFileSync(join(out, 'chart.svg'), 'utf8')).toContain('git mode: not run');
    expect(existsSync(join(out, 'git.json'))).toBe(false);
  });

  it('git mode: every cluster fetches the repository itself; the chart then compares both modes', async () => {
    const args = ['bench', '--mode', 'git', '--clusters', '20', '--interval', '1s', '--commits', '1', '--steady', '1', '--apps', '2', '--out', out, '--json'];
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 16 * 1024 * 1024 });
    const result = JSON.parse(stdout) as { failedClusters: number; git: { requests: number; fetchesPerCommit: number; serverCpuMs: number }; store: { get200: number } };
    expect(result.failedClusters).toBe(0);
    // Many clusters fetched while the commit propagated (bundle mode: the hub alone, once),
    // and each of the 20 cloned, then fetched at least once more (2 requests each).
    expect(result.git.fetchesPerCommit).toBeGreaterThan(1);
    expect(result.git.requests).toBeGreaterThanOrEqual(2 * 20 * 2);
    expect(result.git.serverCpuMs).toBeGreaterThan(0);
    expect(result.store.get200).toBe(0);
    const chart = readFileSync(join(out, 'chart.svg'), 'utf8');
    expect(chart).not.toContain('not run');
  });
});
