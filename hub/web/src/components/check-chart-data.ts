import type { CheckView } from '@driftless/hub';
import { numericValue } from './check-line.js';

/** What a check's chart draws: uPlot's columns (x in seconds) and the y range. */
export interface CheckChartData {
  /** Evaluation times, s since the epoch (uPlot's unit). */
  readonly xs: number[];
  /** Worst value per evaluation; null draws as a gap, ±Inf is clipped to the range. */
  readonly values: (number | null)[];
  /** The threshold lines, one series each (the same value at every x). */
  readonly thresholds: readonly { readonly label: 'max' | 'min'; readonly values: number[] }[];
  readonly range: readonly [number, number];
}

/**
 * The y range that shows every finite value and both thresholds with a
 * margin, so a threshold line never sits on the frame and a flat series
 * still has height.
 */
function yRange(finite: readonly number[]): [number, number] {
  if (finite.length === 0) return [0, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = hi > lo ? (hi - lo) * 0.15 : Math.abs(hi) * 0.15 || 1;
  return [lo - pad, hi + pad];
}

/** The chart of `check` (pure): its history with +Inf/-Inf at the top/bottom of the axis and its threshold series. */
export function checkChartData(check: Pick<CheckView, 'history' | 'max' | 'min'>): CheckChartData {
  const raw = check.history.map(([, v]) => numericValue(v));
  const finite = raw.filter((v): v is number => v !== null && Number.isFinite(v));
  const limits = [check.max, check.min].filter((v): v is number => v !== undefined);
  const range = yRange([...finite, ...limits]);
  const xs = check.history.map(([at]) => Date.parse(at) / 1000);
  const values = raw.map((v) => (v === null ? null : Math.min(range[1], Math.max(range[0], v))));
  const line = (label: 'max' | 'min', v: number | undefined) => (v === undefined ? [] : [{ label, values: xs.map(() => v) }]);
  return { xs, values, thresholds: [...line('max', check.max), ...line('min', check.min)], range };
}
