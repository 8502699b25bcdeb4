import { describe, expect, it } from 'vitest';
import { breachToHalt, haltToReverted } from './breach-figures.js';

describe('the metric-gate figures', () => {
  const halt = { startedAt: 100_000, clockMs: 400 };

  it('times the halt from the breach to the end of the halting step, against for plus one step', () => {
    expect(breachToHalt(81_000, halt, 15_000, 5_000)).toEqual({ ms: 19_400, goalMs: 20_000, met: true });
    expect(breachToHalt(80_000, halt, 15_000, 5_000)).toEqual({ ms: 20_400, goalMs: 20_000, met: false });
    expect(breachToHalt(80_000, undefined, 15_000, 5_000)).toEqual({ ms: null, goalMs: 20_000, met: false });
  });

  it('takes the 99th percentile (nearest rank) of the reverted clusters back, from the end of the halting step', () => {
    // 200 clusters back 1..200 ms after the halt: rank ceil(0.99 * 200) = 198.
    const back = Array.from({ length: 200 }, (_, i) => 100_400 + i + 1);
    expect(haltToReverted(halt, back, 30_000)).toEqual({ ms: 198, goalMs: 32_000, met: true, reverted: 200, back: 200, medianMs: 100, maxMs: 200 });
    // Two stragglers past the goal are the 1% left out; a third is not.
    const late = (n: number): number[] => back.map((t, i) => (i < n ? t + 60_000 : t));
    expect(haltToReverted(halt, late(2), 30_000).met).toBe(true);
    expect(haltToReverted(halt, late(3), 30_000)).toMatchObject({ ms: 60_001, met: false });
  });

  it('misses when fewer than 99 % came back, and counts a return before the step ended as 0', () => {
    const back: (number | undefined)[] = [100_300, ...Array.from({ length: 97 }, () => 101_000), undefined, undefined];
    expect(haltToReverted(halt, back, 30_000)).toEqual({ ms: null, goalMs: 32_000, met: false, reverted: 100, back: 98, medianMs: 600, maxMs: 600 });
    expect(haltToReverted(halt, [100_300], 30_000)).toMatchObject({ ms: 0, met: true });
    expect(haltToReverted(undefined, [100_300], 30_000)).toMatchObject({ ms: null, met: false });
  });
});
