import { describe, expect, it } from 'vitest';
import { backoffMs, jitteredIntervalMs, seededRng, type Rng } from './timing.js';

const fixed = (v: number): Rng => ({ next: () => v });

describe('timing', () => {
  it('replays the same sequence for the same seed, and another for another seed', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const seq = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seq);
    expect(seededRng(43).next()).not.toBe(seq[0]);
    expect(seq.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it.each([
    [0, 15_000],
    [0.5, 30_000],
    [0.999999, 45_000],
  ])('spreads a 30 s interval with jitter 0.5 over 15..45 s (rng %f)', (r, ms) => {
    expect(jitteredIntervalMs(30_000, 0.5, fixed(r))).toBe(ms);
  });

  it('uses the interval itself without jitter', () => {
    expect(jitteredIntervalMs(30_000, 0, fixed(0.9))).toBe(30_000);
  });

  it.each([
    [1, 1_000],
    [2, 2_000],
    [4, 8_000],
    [10, 60_000],
  ])('caps the backoff after %i failures at %i ms, full jitter below it', (failures, cap) => {
    expect(backoffMs(failures, 1_000, 60_000, fixed(0.999999))).toBe(cap);
    expect(backoffMs(failures, 1_000, 60_000, fixed(0))).toBe(0);
  });
});
