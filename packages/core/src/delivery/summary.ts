import { breaches, thresholdOf } from './check-values.js';
import { CLUSTER_ROLLOUT_STATES, type CheckValue, type ClusterRolloutState, type GateState, type RingPhase, type RingState, type Rollout } from './rollout-document.js';

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
  /** Subjects whose latest value breaches the threshold, those without a value (no data or an error), and how many were evaluated. */
  readonly breaching: number;
  readonly noValue: number;
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

/** The checks ring `index` lists, each with its gate, its latest worst value and how many subjects breach at that evaluation. */
function summarizeChecks(state: Rollout, ring: RingState, index: number): CheckSummary[] {
  const names = state.plan.rings[index]?.checks ?? [];
  return state.plan.checks
    .filter((c) => names.includes(c.name))
    .map((check) => {
      const gate = ring.gates.find((g) => g.gate === `check:${check.name}`);
      const tracked = ring.checks?.find((c) => c.check === check.name);
      const last = tracked?.history.at(-1);
      let breaching = 0;
      let subjects = 0;
      let noValue = 0;
      // Every subject kept was judged at the check's latest evaluation: its last value is from then.
      for (const subject of Object.values(tracked?.subjects ?? {})) {
        const value = subject.values.at(-1);
        if (last === undefined || value === undefined || tracked?.times.at(-1) !== last[0]) continue;
        subjects += 1;
        if (value === null) noValue += 1;
        else if (breaches(check, value)) breaching += 1;
      }
      const base = { check: check.name, state: gate?.state ?? 'pending', reason: gate?.reason ?? 'not evaluated yet', ...thresholdOf(check), forMs: check.forMs, aggregate: check.aggregate };
      return { ...base, ...(last === undefined ? {} : { latest: { at: last[0], value: last[1], subject: last[2] } }), breaching, noValue, subjects };
    });
}

/** Per ring, in plan order: its phase, its clusters counted by state, its gates and its checks. */
export function summarizeRollout(state: Rollout): RingSummary[] {
  return state.rings.map((ring, index): RingSummary => {
    const counts = Object.fromEntries(CLUSTER_ROLLOUT_STATES.map((s) => [s, 0])) as Record<ClusterRolloutState, number>;
    let total = 0;
    for (const cluster of Object.values(state.clusters)) {
      if (cluster.ring !== index) continue;
      counts[cluster.state] += 1;
      total += 1;
    }
    return { ring: ring.name, phase: ring.phase, counts, total, gates: ring.gates, checks: summarizeChecks(state, ring, index) };
  });
}
