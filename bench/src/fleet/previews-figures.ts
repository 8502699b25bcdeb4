/**
 * The two figures of `driftless bench --previews` (push to the preview
 * Applied on a host, branch deleted to its namespace gone from a host),
 * computed from what the run recorded: pure, so a unit test pins how they
 * are derived.
 */
import type { GoalFigure } from './breach-figures.js';
import { reachQuantiles } from './nearest-rank.js';

/** One figure over the preview hosts: p50, p99 and max (ms after the push or the delete) against the goal, met when every host is within it. */
export interface PreviewFigure extends GoalFigure {
  /** Hosts the preview runs on. */
  readonly hosts: number;
  /** Of them, those that got there before the deadline. */
  readonly reached: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** The same as `ms`: the goal is on every host. */
  readonly maxMs: number | null;
}

/**
 * The goal for each figure, ms: one hub poll (the hub sees the branch
 * move at its next ref listing) plus one agent interval at its longest
 * jittered pause (the host's agent reads the moved pointer at its next poll).
 */
export function previewGoalMs(pollMs: number, intervalMs: number, jitter: number): number {
  return pollMs + intervalMs * (1 + jitter);
}

/**
 * Nearest-rank quantiles of each host's time from `startAt` (the push or the
 * delete) to `reachedAt` (undefined: never); met when the max (every host)
 * is within `goalMs`. With at most 100 hosts the p99 is the max.
 */
export function previewFigure(startAt: number, reachedAt: readonly (number | undefined)[], goalMs: number): PreviewFigure {
  const q = reachQuantiles(startAt, reachedAt);
  return { ms: q.maxMs, goalMs, met: q.maxMs !== null && q.maxMs <= goalMs, hosts: q.count, reached: q.reached, p50Ms: q.p50Ms, p99Ms: q.p99Ms, maxMs: q.maxMs };
}
