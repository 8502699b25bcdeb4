import { describe, expect, it } from 'vitest';
import { previewFigure, previewGoalMs } from './previews-figures.js';

describe('the preview figures', () => {
  const start = 70_000;

  it('the goal is one hub poll plus one jittered agent interval', () => {
    expect(previewGoalMs(10_000, 30_000, 0.5)).toBe(55_000);
    expect(previewGoalMs(10_000, 30_000, 0)).toBe(40_000);
  });

  it('takes nearest-rank p50, p99 and max of every host, and meets the goal only when every host is within it', () => {
    // 10 hosts reached 5..50 s after the start, scrambled: p50 rank 5 (25 s), p99 rank 10 (50 s).
    const reached = [3, 7, 1, 9, 5, 2, 10, 4, 8, 6].map((k) => start + k * 5_000);
    expect(previewFigure(start, reached, 55_000)).toEqual({ ms: 50_000, goalMs: 55_000, met: true, hosts: 10, reached: 10, p50Ms: 25_000, p99Ms: 50_000, maxMs: 50_000 });
    expect(previewFigure(start, reached, 49_999)).toMatchObject({ ms: 50_000, met: false });
    expect(previewFigure(start, reached, 50_000)).toMatchObject({ met: true });
  });

  it('a host that never got there is a miss: its quantiles are null', () => {
    const reached = [start + 1_000, undefined, start + 3_000];
    expect(previewFigure(start, reached, 55_000)).toEqual({ ms: null, goalMs: 55_000, met: false, hosts: 3, reached: 2, p50Ms: 3_000, p99Ms: null, maxMs: null });
    expect(previewFigure(start, [], 55_000)).toMatchObject({ ms: null, met: false, hosts: 0 });
  });
});
