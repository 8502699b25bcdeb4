import type { CheckPlan } from './plan.js';
import type { CheckValue } from './rollout-document.js';

/*
 * A check's values as the rollout document keeps them (JSON has no
 * infinities: `+Inf` / `-Inf` strings) and how they compare to a threshold.
 * Shared by the machine's evaluation and `summarizeRollout`.
 */

/** A reading's value as stored: the number itself, `+Inf` / `-Inf`, or null for none (NaN is no value too). */
export function toCheckValue(value: number | undefined): CheckValue {
  if (value === undefined || Number.isNaN(value)) return null;
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return value;
}

/** A stored value as a number to compare (undefined for null). */
export function numericValue(value: CheckValue): number | undefined {
  if (value === null) return undefined;
  if (value === '+Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  return value;
}

/** Whether `value` is beyond the check's threshold: above `max` or below `min` (null never breaches). */
export function breaches(check: Pick<CheckPlan, 'max' | 'min'>, value: CheckValue): boolean {
  const n = numericValue(value);
  if (n === undefined) return false;
  return (check.max !== undefined && n > check.max) || (check.min !== undefined && n < check.min);
}

/**
 * How far beyond the threshold `value` lies (negative: how far within it),
 * so the largest score is the "worst" value: for max the largest value, for
 * min the smallest, with both the one nearest to (or farthest past) either.
 */
export function badness(check: Pick<CheckPlan, 'max' | 'min'>, value: CheckValue): number {
  const n = numericValue(value);
  if (n === undefined) return Number.NEGATIVE_INFINITY;
  const above = check.max === undefined ? Number.NEGATIVE_INFINITY : n - check.max;
  const below = check.min === undefined ? Number.NEGATIVE_INFINITY : check.min - n;
  return Math.max(above, below);
}

/** `0.031 > max 0.02` / `3 < min 5` for a breaching value; `within max 0.02` (and/or min) otherwise. */
export function againstThreshold(check: Pick<CheckPlan, 'max' | 'min'>, value: CheckValue): string {
  const n = numericValue(value);
  if (n !== undefined && check.max !== undefined && n > check.max) return `${String(value)} > max ${check.max}`;
  if (n !== undefined && check.min !== undefined && n < check.min) return `${String(value)} < min ${check.min}`;
  const bounds = [check.min === undefined ? '' : `min ${check.min}`, check.max === undefined ? '' : `max ${check.max}`].filter((b) => b !== '');
  return `${value === null ? 'no value' : String(value)} within ${bounds.join(', ')}`;
}

/** The threshold as audit data: `{max?, min?}`. */
export function thresholdOf(check: Pick<CheckPlan, 'max' | 'min'>): { max?: number; min?: number } {
  return { ...(check.max === undefined ? {} : { max: check.max }), ...(check.min === undefined ? {} : { min: check.min }) };
}
