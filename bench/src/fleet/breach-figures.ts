/**
 * The two figures of the metric-gate scenario (`driftless bench --rollout
 * --breach`), computed from what the run recorded: pure, so a unit test pins
 * how each is derived.
 */

/** A figure against its goal, ms. */
export interface GoalFigure {
  /** The measured time; null when the event never happened before the deadline. */
  readonly ms: number | null;
  readonly goalMs: number;
  /** `ms <= goalMs`; false when `ms` is null. */
  readonly met: boolean;
}

/** The halting step as the bench saw it: its start and duration on the run's clock (absolute ms). */
export interface HaltingStep {
  readonly startedAt: number;
  readonly clockMs: number;
}

/** The second figure, with how many clusters the halt reverted and how many came back, and the spread of their return (ms after the halt; null with none back). */
export interface RevertFigure extends GoalFigure {
  readonly reverted: number;
  readonly back: number;
  readonly medianMs: number | null;
  readonly maxMs: number | null;
}

/** Share of the reverted clusters whose return the second figure waits for. */
export const REVERT_QUANTILE = 0.99;

/** ms the second figure's goal adds to one agent interval (the "one agent interval plus 2 s"). */
export const REVERT_GOAL_SLACK_MS = 2_000;

const figure = (ms: number | null, goalMs: number): GoalFigure => ({ ms, goalMs, met: ms !== null && ms <= goalMs });

/**
 * From the breach's start to the halt: the end of the step that halted the
 * rollout (its document written Halted), not its start. Goal: the check's
 * `for` plus one step interval (the breach is first seen by the next step,
 * and fails once it has held `for`).
 */
export function breachToHalt(breachAt: number, halt: HaltingStep | undefined, forMs: number, stepMs: number): GoalFigure {
  return figure(halt === undefined ? null : halt.startedAt + halt.clockMs - breachAt, forMs + stepMs);
}

/**
 * From the halt (the end of the halting step) to {@link REVERT_QUANTILE} of
 * the reverted clusters reporting their last good bundle applied again: the
 * nearest-rank quantile of their return times. A cluster that is not back
 * counts as never; if fewer than the quantile's rank are back, null (a miss).
 * A return recorded before the step ended (an agent polled between the
 * pointer write and the document write) counts as 0. Goal: one agent
 * interval plus {@link REVERT_GOAL_SLACK_MS}.
 */
export function haltToReverted(halt: HaltingStep | undefined, backAt: readonly (number | undefined)[], intervalMs: number): RevertFigure {
  const goalMs = intervalMs + REVERT_GOAL_SLACK_MS;
  const haltAt = halt === undefined ? undefined : halt.startedAt + halt.clockMs;
  const back = backAt.filter((t): t is number => t !== undefined);
  const counts = { reverted: backAt.length, back: back.length };
  if (haltAt === undefined) return { ...figure(null, goalMs), ...counts, medianMs: null, maxMs: null };
  const sorted = back.map((t) => Math.max(0, t - haltAt)).sort((a, b) => a - b);
  const rank = Math.ceil(REVERT_QUANTILE * backAt.length);
  const at = (r: number): number | null => sorted[r - 1] ?? null;
  return {
    ...figure(backAt.length === 0 || back.length < rank ? null : at(rank), goalMs),
    ...counts,
    medianMs: at(Math.ceil(0.5 * sorted.length)),
    maxMs: at(sorted.length),
  };
}
