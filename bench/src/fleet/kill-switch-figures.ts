/**
 * The kill-switch figure (`driftless bench --kill-switch`), computed from
 * what the run recorded: pure, so a unit test pins how it is derived.
 */
import { REVERT_GOAL_SLACK_MS, type GoalFigure } from './breach-figures.js';
import { reachQuantiles } from './nearest-rank.js';

/**
 * From `flag set` to the affected clusters reporting the overridden bundle
 * applied: p99 against the goal, with p50 and max, and how many of the
 * affected clusters reported it at all.
 */
export interface PropagationFigure extends GoalFigure {
  /** Clusters whose pointer the override moved. */
  readonly affected: number;
  /** Of them, those that reported the new bundle applied before the deadline. */
  readonly reached: number;
  readonly p50Ms: number | null;
  /** The same as `ms`: the goal is on the p99. */
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/**
 * Nearest-rank quantiles of the affected clusters' times from `setAt` (the
 * instant `flag set` started) to their status reporting the overridden bundle
 * applied. A cluster that never reported it counts as never: a quantile whose
 * rank falls among them is null (so the p99 is null, a miss, when more than
 * 1 % never did). Goal: one agent interval plus 2 s (the issue's).
 */
export function killSwitchPropagation(setAt: number, reachedAt: readonly (number | undefined)[], intervalMs: number): PropagationFigure {
  const goalMs = intervalMs + REVERT_GOAL_SLACK_MS;
  const q = reachQuantiles(setAt, reachedAt);
  return { ms: q.p99Ms, goalMs, met: q.p99Ms !== null && q.p99Ms <= goalMs, affected: q.count, reached: q.reached, p50Ms: q.p50Ms, p99Ms: q.p99Ms, maxMs: q.maxMs };
}
