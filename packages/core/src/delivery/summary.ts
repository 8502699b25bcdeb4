import { CLUSTER_ROLLOUT_STATES, type ClusterRolloutState, type GateState, type RingPhase, type Rollout } from './rollout-document.js';

/** One ring as `driftless rollout status` prints it. */
export interface RingSummary {
  readonly ring: string;
  readonly phase: RingPhase;
  /** Clusters of the ring by rollout state; every state present, 0 when none. */
  readonly counts: Readonly<Record<ClusterRolloutState, number>>;
  readonly total: number;
  readonly gates: readonly GateState[];
}

/** Per ring, in plan order: its phase, its clusters counted by state, and its gates. */
export function summarizeRollout(state: Rollout): RingSummary[] {
  return state.rings.map((ring, index) => {
    const counts = Object.fromEntries(CLUSTER_ROLLOUT_STATES.map((s) => [s, 0])) as Record<ClusterRolloutState, number>;
    let total = 0;
    for (const cluster of Object.values(state.clusters)) {
      if (cluster.ring !== index) continue;
      counts[cluster.state] += 1;
      total += 1;
    }
    return { ring: ring.name, phase: ring.phase, counts, total, gates: ring.gates };
  });
}
