import type { CheckStatus } from '@driftless/hub';

/*
 * A check's status line in the same words as `driftless rollout status`
 * (cli renderCheckLine): the browser cannot import the CLI or core at run
 * time (the import map holds preact, htm and uPlot only), so the wording is
 * kept here and hub/src/dashboard/web-check-line.test.ts pins it.
 */

/** `1d2h3m4s`, `250ms`: core's formatDurationMs, which the CLI's lines use. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}

/** `min 0.9, max 0.02`: the check's threshold as the CLI prints it. */
export function thresholdText(c: Pick<CheckStatus, 'max' | 'min'>): string {
  return [...(c.min !== undefined ? [`min ${c.min}`] : []), ...(c.max !== undefined ? [`max ${c.max}`] : [])].join(', ');
}

/** A CheckValue as a number (±Infinity for '+Inf'/'-Inf'); null stays null. */
export function numericValue(v: number | '+Inf' | '-Inf' | null): number | null {
  return v === '+Inf' ? Number.POSITIVE_INFINITY : v === '-Inf' ? Number.NEGATIVE_INFINITY : v;
}

function breach(value: number | '+Inf' | '-Inf', c: Pick<CheckStatus, 'max' | 'min'>): string | undefined {
  const n = numericValue(value) ?? 0;
  if (c.max !== undefined && n > c.max) return `> max ${c.max}`;
  if (c.min !== undefined && n < c.min) return `< min ${c.min}`;
  return undefined;
}

/**
 * What the latest evaluation says, without the CLI's `  check NAME  ` head:
 * `0.031 (cluster-a) > max 0.02  breaching 3s of 5s`, `… within max 0.02`,
 * `no data for 40s (noData: wait, fails after 10m)` or the query's error.
 */
export function checkLineText(c: CheckStatus): string {
  if (c.latest === undefined) return `not evaluated yet (${thresholdText(c)})`;
  const { value, subject } = c.latest;
  const failsAfter = `fails after ${formatDuration(c.failsAfterMs)}`;
  const waited = c.noValueForMs !== undefined ? ` for ${formatDuration(c.noValueForMs)}` : '';
  if (value === null && c.error !== undefined) return `no value (${subject})${waited}: ${c.error} (${failsAfter})`;
  if (value === null) return `no data${waited} (noData: ${c.noData}${c.noData === 'wait' ? `, ${failsAfter}` : ''})`;
  const over = breach(value, c);
  const blind = c.noValue > 0 ? `; ${c.noValue} of ${c.subjects} without a value` : '';
  if (over === undefined) return `${value} (${subject}) within ${thresholdText(c)}${blind}`;
  const held = c.breachingForMs !== undefined ? `  breaching ${formatDuration(c.breachingForMs)} of ${formatDuration(c.forMs)}` : '';
  const more = c.breaching > 1 ? ` (${c.breaching} of ${c.subjects} breaching)` : '';
  return `${value} (${subject}) ${over}${held}${more}${blind}`;
}
