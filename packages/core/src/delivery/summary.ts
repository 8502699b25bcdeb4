import { CLUSTER_ROLLOUT_STATES, type CheckValue, type ClusterRolloutState, type GateState, type RingPhase, type Rollout } from './rollout-document.js';

/** One metric check of a ring as `rollout status` prints it: its latest worst value against its threshold. */
export interface CheckSummary {
  readonly check: string;
  /** The ring's `check:<name>` gate (pending / passed / failed and why). */
  readonly state: GateState['state'];
  readonly reason: string;
  readonly max?: number;
  readonly min?: number;
  readonly forMs: number;
  readonly aggregate: 'cluster' | 'ring';
  /** The latest evaluation's worst value (null: no data or an error) and its subject; absent before the first evaluation. */
  readonly latest?: { readonly at: string; readonly value: CheckValue; readonly subject: string };
  /** Subjects whose latest value breaches the threshold, and how many were evaluated. */
  readonly breaching: number;
  readonly subjects: number;
}

/** One ring as `driftless rollout status` prints it. */
export interface RingSummary {
  readonly ring: string;
  readonly phase: RingPhase;
  /** Clusters of the ring by rollout state; every state present, 0 when none. */
  readonly counts: Readonly<Record<ClusterRolloutState, number>>;
  readonly total: number;
  readonly gates: readonly GateState[];
  /** Its metric checks, in plan order (empty when it lists none). */
  readonly checks: readonly CheckSummary[];
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
    return { ring: ring.name, phase: ring.phase, counts, total, gates: ring.gates, checks: [] };
  });
}
