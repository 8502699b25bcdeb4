import type { CheckView } from './api-types.js';
import type { CheckStatus } from '../rollout/rollout-status-document.js';
import { describe, expect, it } from 'vitest';
import { checkChartData } from '../../web/src/components/check-chart-data.js';
import { checkLineText, formatDuration } from '../../web/src/components/check-line.js';

const AT = '2026-01-01T00:00:40.000Z';
const base: CheckStatus = {
  check: 'error-rate',
  state: 'pending',
  reason: 'r',
  max: 0.02,
  forMs: 5000,
  aggregate: 'cluster',
  breaching: 0,
  noValue: 0,
  subjects: 2,
  noData: 'wait',
  failsAfterMs: 600_000,
};
const latest = (value: CheckView['history'][number][1]) => ({ latest: { at: AT, value, subject: 'cluster-a' } });

// The same lines cli/src/commands/rollout-checks.test.ts expects of renderCheckLine, after its `  check NAME  ` head.
describe('checkLineText', () => {
  it.each<[string, Partial<CheckStatus>, string]>([
    ['breaching', { ...latest(0.031), breaching: 1, breachingForMs: 3000 }, '0.031 (cluster-a) > max 0.02  breaching 3s of 5s'],
    ['+Inf, two breaching', { ...latest('+Inf'), breaching: 2, breachingForMs: 3000 }, '+Inf (cluster-a) > max 0.02  breaching 3s of 5s (2 of 2 breaching)'],
    ['within', latest(0.01), '0.01 (cluster-a) within max 0.02'],
    ['under a min', { ...latest(0.01), min: 0.5 }, '0.01 (cluster-a) < min 0.5'],
    ['no data, wait', { ...latest(null), noValueForMs: 40_000 }, 'no data for 40s (noData: wait, fails after 10m)'],
    ['no data, pass', { ...latest(null), noValueForMs: 40_000, noData: 'pass' }, 'no data for 40s (noData: pass)'],
    ['a query error', { ...latest(null), noValueForMs: 40_000, error: 'prometheus query failed: refused' }, 'no value (cluster-a) for 40s: prometheus query failed: refused (fails after 10m)'],
    ['not evaluated', {}, 'not evaluated yet (max 0.02)'],
    ['within, some blind', { ...latest(0.01), noValue: 1 }, '0.01 (cluster-a) within max 0.02; 1 of 2 without a value'],
  ])('%s', (_, over, want) => {
    expect(checkLineText({ ...base, ...over })).toBe(want);
  });

  it('formats durations as core does', () => {
    expect([formatDuration(250), formatDuration(600_000), formatDuration(90_061_000)]).toEqual(['250ms', '10m', '1d1h1m1s']);
  });
});

describe('checkChartData', () => {
  const history: CheckView['history'] = [
    ['2026-01-01T00:00:00.000Z', 0.01, 'a'],
    ['2026-01-01T00:00:10.000Z', null, 'a'],
    ['2026-01-01T00:00:20.000Z', '+Inf', 'b'],
    ['2026-01-01T00:00:30.000Z', 0.05, 'b'],
  ];

  it('keeps a null as a gap, clips +Inf to the top of the axis, and draws the max as a flat series', () => {
    const d = checkChartData({ history, max: 0.02 });
    expect(d.xs).toEqual([1767225600, 1767225610, 1767225620, 1767225630]);
    expect(d.values[1]).toBeNull();
    expect(d.values[2]).toBe(d.range[1]);
    expect([d.values[0], d.values[3]]).toEqual([0.01, 0.05]);
    expect(d.thresholds).toEqual([{ label: 'max', values: [0.02, 0.02, 0.02, 0.02] }]);
    expect(d.range[0]).toBeLessThan(0.01);
    expect(d.range[1]).toBeGreaterThan(0.05);
  });

  it('shows a min below every value and gives a flat series height', () => {
    const d = checkChartData({ history: [['2026-01-01T00:00:00.000Z', 1, 'a'], ['2026-01-01T00:00:10.000Z', '-Inf', 'a']], min: 0.5 });
    expect(d.range[0]).toBeLessThan(0.5);
    expect(d.values[1]).toBe(d.range[0]);
    expect(checkChartData({ history: [['2026-01-01T00:00:00.000Z', 0, 'a']] }).range).toEqual([-1, 1]);
  });
});
