/**
 * A delivery plan as the rollout state machine reads it: `spec.delivery` of
 * fleet.yaml after validation, with defaults applied and durations in ms. It
 * is copied into every rollout document, so a rollout keeps the rules it
 * started with even when a later commit changes them.
 */

/** `maxConcurrent` / `maxFailures`: a number of clusters, or a percentage of the ring's clusters (`value` in percent, at most two decimals). */
export type Amount = { readonly kind: 'count'; readonly value: number } | { readonly kind: 'percent'; readonly value: number };

/** `continuous-delivery`: the last ring waits for a recorded approval; `continuous-deployment`: it opens by itself. */
export const DELIVERY_MODES = ['continuous-delivery', 'continuous-deployment'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** What a breached gate does beyond halting: `revert` also moves the failed ring's clusters back (never stateful ones). */
export const ON_FAILURE = ['halt', 'revert'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

/** One ring, resolved. */
export interface RingPlan {
  readonly name: string;
  /** All clusters healthy for this long after the last wave before the ring succeeds, ms (default 0). */
  readonly soakMs: number;
  /** Wave size: clusters moved at once inside the ring (default 100%). */
  readonly maxConcurrent: Amount;
  /** Clusters that may fail before the ring fails and the rollout halts (default 0). */
  readonly maxFailures: Amount;
  /** A moved cluster that has not reported Applied for its new bundle this long after the move counts as failed, ms (default 10m). */
  readonly progressDeadlineMs: number;
  /** A recorded approval is needed before the ring opens (`approval: required`, or the last ring in continuous-delivery mode). */
  readonly approval: boolean;
  /** Names of the metric checks (`DeliveryPlan.checks`) that gate this ring, in fleet order. */
  readonly checks: readonly string[];
}

/** `aggregate: cluster` judges each moved cluster of the ring alone; `ring` runs one query over the ring's moved clusters. */
export const CHECK_AGGREGATES = ['cluster', 'ring'] as const;
export type CheckAggregate = (typeof CHECK_AGGREGATES)[number];

/**
 * What a check does while its query has no value (an empty result or NaN):
 * `wait` (the default) keeps the gate pending, then fails it once the subject
 * has waited `progressDeadline`; `fail` fails it at once; `pass` counts as
 * within the threshold. A query that errs (unreachable, timed out, rejected)
 * always waits, whatever `noData` says: an error is never a pass.
 */
export const NO_DATA_POLICIES = ['wait', 'fail', 'pass'] as const;
export type NoDataPolicy = (typeof NO_DATA_POLICIES)[number];

/**
 * One metric check (`spec.delivery.checks`), resolved: a PromQL instant query
 * whose single value must stay within `max` / `min` (at least one is set). A
 * value beyond them is a breach; a breach seen at every evaluation for
 * `forMs` fails the ring's `check:<name>` gate and halts the rollout.
 */
export interface CheckPlan {
  readonly name: string;
  /**
   * The PromQL as written, variables not yet substituted: `${cluster.name}`,
   * `${cluster.labels.KEY}` and `${ring}` (aggregate `cluster`); `${ring}` and
   * `${ring.clusters}` (aggregate `ring`: a regex alternation of the names of
   * the ring's moved clusters, for `cluster=~"${ring.clusters}"`).
   */
  readonly query: string;
  /** A value above it is a breach. */
  readonly max?: number;
  /** A value below it is a breach. */
  readonly min?: number;
  /** How long a breach must hold before the gate fails, ms (default 0: at the first breaching evaluation). */
  readonly forMs: number;
  readonly aggregate: CheckAggregate;
  readonly noData: NoDataPolicy;
}

/** `spec.delivery`, resolved. Rings are in fleet order; a cluster belongs to the first ring whose selector matches. */
export interface DeliveryPlan {
  readonly mode: DeliveryMode;
  readonly rings: readonly RingPlan[];
  readonly onFailure: OnFailure;
  /** Every check the rings name (`RingPlan.checks`), in fleet order; empty when none. */
  readonly checks: readonly CheckPlan[];
}

/** Defaults for fields a ring leaves out. */
export const RING_DEFAULTS = {
  soakMs: 0,
  maxConcurrent: { kind: 'percent', value: 100 } as Amount,
  maxFailures: { kind: 'count', value: 0 } as Amount,
  progressDeadlineMs: 10 * 60_000,
} as const;

/** Basis points in 100%: percentages are resolved in hundredths of a percent, in integers. */
const FULL_BASIS_POINTS = 10_000;

/**
 * `amount` of `total` clusters as a whole number: a count as given (at most
 * `total`), a percentage rounded up for wave sizes (`atLeastOne`, so 10% of 5
 * clusters is a wave of 1) and rounded down for failure budgets (10% of 5 is 0).
 * Percentages are taken to two decimals (fleet.yaml allows no more) and
 * resolved in integer basis points, so 2.3% of 3000 is 69, not 68.99… → 68.
 */
export function resolveAmount(amount: Amount, total: number, atLeastOne: boolean): number {
  let raw = amount.value;
  if (amount.kind === 'percent') {
    const share = Math.round(amount.value * 100) * total;
    const whole = (share - (share % FULL_BASIS_POINTS)) / FULL_BASIS_POINTS;
    raw = atLeastOne && share % FULL_BASIS_POINTS !== 0 ? whole + 1 : whole;
  }
  const capped = Math.min(raw, total);
  return atLeastOne && total > 0 ? Math.max(1, capped) : capped;
}
