import { summarizeRollout, type CheckSummary, type ClusterRolloutState, type Freeze, type Rollout, type RolloutPhase, type RingPhase } from '@driftless/core';

/** One ring as `driftless rollout status` shows it. */
interface RingSummary {
  readonly name: string;
  readonly phase: RingPhase;
  /** Clusters of the ring by rollout state (only states that occur). */
  readonly clusters: Partial<Record<ClusterRolloutState, number>>;
  /** Its metric checks' latest values against their thresholds (core's), in plan order. */
  readonly checks: readonly CheckSummary[];
}

/** A rollout in a few numbers: its phase, each ring's, and the freeze. */
export interface RolloutSummary {
  readonly id: string;
  readonly revision: string;
  readonly phase: RolloutPhase;
  readonly rings: readonly RingSummary[];
  readonly frozen?: { readonly actor: string; readonly reason: string; readonly at: string };
}

/** Counts a rollout's clusters per ring and state (core's summarizeRollout, keeping only the states that occur), with the freeze (pure). */
export function summarizeRolloutWithFreeze(rollout: Rollout, freeze: Freeze | undefined): RolloutSummary {
  return {
    id: rollout.id,
    revision: rollout.revision,
    phase: rollout.phase,
    rings: summarizeRollout(rollout).map((r) => ({
      name: r.ring,
      phase: r.phase,
      clusters: Object.fromEntries(Object.entries(r.counts).filter(([, n]) => n > 0)),
      checks: r.checks,
    })),
    ...(freeze ? { frozen: { actor: freeze.actor, reason: freeze.reason, at: freeze.at } } : {}),
  };
}
