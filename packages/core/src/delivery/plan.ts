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
  /** Names of the metric checks that gate this ring (issue 13; empty until then). */
  readonly checks: readonly string[];
}

/** `spec.delivery`, resolved. Rings are in fleet order; a cluster belongs to the first ring whose selector matches. */
export interface DeliveryPlan {
  readonly mode: DeliveryMode;
  readonly rings: readonly RingPlan[];
  readonly onFailure: OnFailure;
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
