import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 's', '30 s', '10x', '1m-5s', '-1s'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats what it reads', () => {
    for (const ms of [250, 30_000, 90_000, 3_600_000, 90_061_000]) expect(parseDuration(formatDurationMs(ms))).toBe(ms);
  });
});
