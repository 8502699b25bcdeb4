import { describe, expect, it } from 'vitest';
import { killSwitchPropagation } from './kill-switch-figures.js';

describe('the kill-switch propagation figure', () => {
  const setAt = 50_000;

  it('takes nearest-rank p50, p99 and max of the times from flag set to applied, against one interval plus 2 s', () => {
    // 200 clusters reached 1..200 s after flag set, in scrambled order: p50 rank 100, p99 rank 198.
    const reached = Array.from({ length: 200 }, (_, i) => setAt + ((i * 37) % 200) * 1_000 + 1_000);
    expect(killSwitchPropagation(setAt, reached, 30_000)).toEqual({
      ms: 198_000,
      goalMs: 32_000,
      met: false,
      affected: 200,
      reached: 200,
      p50Ms: 100_000,
      p99Ms: 198_000,
      maxMs: 200_000,
    });
  });

  it('meets the goal at exactly one interval plus 2 s, and misses 1 ms past it', () => {
    const at = (p99: number): number[] => [...Array.from({ length: 99 }, () => setAt + 1_000), setAt + p99];
    // 100 clusters: the p99 is rank 99 (1 s); the single straggler is the 1 % left out.
    expect(killSwitchPropagation(setAt, at(60_000), 30_000)).toMatchObject({ p99Ms: 1_000, maxMs: 60_000, met: true });
    const edge = Array.from({ length: 10 }, () => setAt + 32_000);
    expect(killSwitchPropagation(setAt, edge, 30_000)).toMatchObject({ ms: 32_000, met: true });
    expect(killSwitchPropagation(setAt, edge.map((t) => t + 1), 30_000)).toMatchObject({ ms: 32_001, met: false });
  });

  it('counts a cluster that never reported the bundle as never: p99 null (a miss) when more than 1 % did not', () => {
    const reached: (number | undefined)[] = [...Array.from({ length: 98 }, () => setAt + 2_000), undefined, undefined];
    expect(killSwitchPropagation(setAt, reached, 30_000)).toEqual({ ms: null, goalMs: 32_000, met: false, affected: 100, reached: 98, p50Ms: 2_000, p99Ms: null, maxMs: null });
    expect(killSwitchPropagation(setAt, [], 30_000)).toMatchObject({ ms: null, met: false, affected: 0, reached: 0 });
  });
});
