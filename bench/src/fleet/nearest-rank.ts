/**
 * Nearest-rank quantiles over a set of members (clusters, hosts) that each
 * reach an event at some time, or never: pure, shared by the benches whose
 * figures count the members that never got there.
 */

/** p50, p99 and max of the members' times, ms after the start; null when the rank falls among those that never got there. */
export interface ReachQuantiles {
  /** Members measured. */
  readonly count: number;
  /** Of them, those that got there. */
  readonly reached: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/**
 * Nearest-rank quantiles of `reachedAt - startAt`. Ranks count every member;
 * one that never got there (undefined) sorts last, as infinitely late, so a
 * quantile whose rank falls among them is null.
 */
export function reachQuantiles(startAt: number, reachedAt: readonly (number | undefined)[]): ReachQuantiles {
  const sorted = reachedAt
    .filter((t): t is number => t !== undefined)
    .map((t) => t - startAt)
    .sort((a, b) => a - b);
  const n = reachedAt.length;
  const at = (q: number): number | null => (n === 0 ? null : (sorted[Math.ceil(q * n) - 1] ?? null));
  return { count: n, reached: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}
