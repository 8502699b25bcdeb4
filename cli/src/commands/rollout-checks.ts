import { formatDurationMs, type CheckSummary, type CheckValue, type Rollout } from '@driftless/core';

/** One check of a ring in `driftless rollout status`: core's summary and what its latest subject has waited or breached for. */
export interface CheckStatus extends CheckSummary {
  /** What no value means for this check (fleet.yaml `noData`). */
  readonly noData: 'wait' | 'fail' | 'pass';
  /** How long the latest subject had breached at the latest evaluation, ms (while it breaches). */
  readonly breachingForMs?: number;
  /** How long the latest subject had had no value at the latest evaluation, ms (while it has none). */
  readonly noValueForMs?: number;
  /** A subject without a value fails after this long: the ring's progressDeadline, ms. */
  readonly failsAfterMs: number;
  /** The latest subject's query error, when its last evaluation failed. */
  readonly error?: string;
}

/** The checks of ring `index` of `rollout` (pure): each summary with its latest subject's breach or wait durations. */
export function checkStatuses(rollout: Rollout, index: number, summaries: readonly CheckSummary[]): CheckStatus[] {
  const ring = rollout.rings[index];
  const failsAfterMs = rollout.plan.rings[index]?.progressDeadlineMs ?? 0;
  return summaries.map((s) => {
    const noData = rollout.plan.checks.find((c) => c.name === s.check)?.noData ?? 'wait';
    const subject = s.latest ? ring?.checks?.find((c) => c.check === s.check)?.subjects[s.latest.subject] : undefined;
    const at = s.latest ? Date.parse(s.latest.at) : 0;
    const since = (t: string | undefined) => (t === undefined ? undefined : Math.max(0, at - Date.parse(t)));
    const breachingForMs = since(subject?.breachingSince);
    const noValueForMs = since(subject?.waitingSince);
    return {
      ...s,
      noData,
      failsAfterMs,
      ...(breachingForMs !== undefined ? { breachingForMs } : {}),
      ...(noValueForMs !== undefined ? { noValueForMs } : {}),
      ...(subject?.error !== undefined ? { error: subject.error } : {}),
    };
  });
}

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
