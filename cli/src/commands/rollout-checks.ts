import { formatDurationMs, type CheckSummary, type CheckValue } from '@driftless/core';
import type { CheckStatus } from '@driftless/hub';

export { checkStatuses, type CheckStatus } from '@driftless/hub';

function threshold(c: Pick<CheckSummary, 'max' | 'min'>): string {
  return [...(c.min !== undefined ? [`min ${c.min}`] : []), ...(c.max !== undefined ? [`max ${c.max}`] : [])].join(', ');
}

/** `> max 0.02` / `< min 0.9` when `value` breaches the threshold, else undefined (+Inf breaches any max, -Inf any min). */
function breach(value: Exclude<CheckValue, null>, c: Pick<CheckSummary, 'max' | 'min'>): string | undefined {
  const n = value === '+Inf' ? Number.POSITIVE_INFINITY : value === '-Inf' ? Number.NEGATIVE_INFINITY : value;
  if (c.max !== undefined && n > c.max) return `> max ${c.max}`;
  if (c.min !== undefined && n < c.min) return `< min ${c.min}`;
  return undefined;
}

/**
 * One status line of a check: `check error-rate  0.031 (cluster-a) > max 0.02  breaching 3s of 5s`,
 * `… within max 0.02`, `no data for 40s (noData: wait, fails after 10m)` or the query's error.
 */
export function renderCheckLine(c: CheckStatus): string {
  const head = `  check ${c.check}  `;
  if (c.latest === undefined) return `${head}not evaluated yet (${threshold(c)})`;
  const { value, subject } = c.latest;
  const failsAfter = `fails after ${formatDurationMs(c.failsAfterMs)}`;
  const waited = c.noValueForMs !== undefined ? ` for ${formatDurationMs(c.noValueForMs)}` : '';
  if (value === null && c.error !== undefined) return `${head}no value (${subject})${waited}: ${c.error} (${failsAfter})`;
  if (value === null) return `${head}no data${waited} (noData: ${c.noData}${c.noData === 'wait' ? `, ${failsAfter}` : ''})`;
  const over = breach(value, c);
  // The worst value is taken over subjects that have one: say how many had none, so "within" never hides them.
  const blind = c.noValue > 0 ? `; ${c.noValue} of ${c.subjects} without a value` : '';
  if (over === undefined) return `${head}${value} (${subject}) within ${threshold(c)}${blind}`;
  const held = c.breachingForMs !== undefined ? `  breaching ${formatDurationMs(c.breachingForMs)} of ${formatDurationMs(c.forMs)}` : '';
  const more = c.breaching > 1 ? ` (${c.breaching} of ${c.subjects} breaching)` : '';
  return `${head}${value} (${subject}) ${over}${held}${more}${blind}`;
}
