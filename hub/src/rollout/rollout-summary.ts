import type { ClusterRolloutState, Freeze, Rollout, RolloutPhase, RingPhase } from '@driftless/core';

/** One ring as `driftless rollout status` shows it. */
interface RingSummary {
  readonly name: string;
  readonly phase: RingPhase;
  /** Clusters of the ring by rollout state (only states that occur). */
  readonly clusters: Partial<Record<ClusterRolloutState, number>>;
}

/** A rollout in a few numbers: its phase, each ring's, and the freeze. */
export interface RolloutSummary {
  readonly id: string;
  readonly revision: string;
  readonly phase: RolloutPhase;
  readonly rings: readonly RingSummary[];
  readonly frozen?: { readonly actor: string; readonly reason: string; readonly at: string };
}

/** Counts a rollout's clusters per ring and state (pure). */
export function summarizeRolloutWithFreeze(rollout: Rollout, freeze: Freeze | undefined): RolloutSummary {
  const counts: Partial<Record<ClusterRolloutState, number>>[] = rollout.rings.map(() => ({}));
  for (const c of Object.values(rollout.clusters)) {
    const ring = counts[c.ring];
    if (ring) ring[c.state] = (ring[c.state] ?? 0) + 1;
  }
  return {
    id: rollout.id,
    revision: rollout.revision,
    phase: rollout.phase,
    rings: rollout.rings.map((r, i) => ({ name: r.name, phase: r.phase, clusters: counts[i] ?? {} })),
    ...(freeze ? { frozen: { actor: freeze.actor, reason: freeze.reason, at: freeze.at } } : {}),
  };
}
