import type { ActionRecord, CheckSummary, GateState, ObservedStatus, PHASES, Rollout } from '@driftless/core';
import type { RolloutSummary } from './rollout-summary.js';

/*
 * The rollout status document: what `driftless rollout status --json` prints
 * and the dashboard's `GET /api/v1/rollouts/current` serves. Pure.
 */

/** One check of a ring in `driftless rollout status`: core's summary and what its latest subject has waited or breached for. */
export interface CheckStatus extends CheckSummary {
  /** What no value means for this check (fleet.yaml `noData`). */
  readonly noData: 'wait' | 'fail' | 'pass';
  /** How long the latest subject had breached at the latest evaluation, ms (while it breaches). */
  readonly breachingForMs?: number;
  /** How long the latest subject had had no value at the latest evaluation, ms (while it has none). */
  readonly noValueForMs?: number;
  /** A subject without a value fails after this long: the ring's progressDeadline, ms. */
  readonly failsAfterMs: number;
  /** The latest subject's query error, when its last evaluation failed. */
  readonly error?: string;
}

/** The checks of ring `index` of `rollout` (pure): each summary with its latest subject's breach or wait durations. */
export function checkStatuses(rollout: Rollout, index: number, summaries: readonly CheckSummary[]): CheckStatus[] {
  const ring = rollout.rings[index];
  const failsAfterMs = rollout.plan.rings[index]?.progressDeadlineMs ?? 0;
  return summaries.map((s) => {
    const noData = rollout.plan.checks.find((c) => c.name === s.check)?.noData ?? 'wait';
    const subject = s.latest ? ring?.checks?.find((c) => c.check === s.check)?.subjects[s.latest.subject] : undefined;
    const at = s.latest ? Date.parse(s.latest.at) : 0;
    const since = (t: string | undefined) => (t === undefined ? undefined : Math.max(0, at - Date.parse(t)));
    const breachingForMs = since(subject?.breachingSince);
    const noValueForMs = since(subject?.waitingSince);
    return {
      ...s,
      noData,
      failsAfterMs,
      ...(breachingForMs !== undefined ? { breachingForMs } : {}),
      ...(noValueForMs !== undefined ? { noValueForMs } : {}),
      ...(subject?.error !== undefined ? { error: subject.error } : {}),
    };
  });
}

/**
 * What an agent last said about a cluster the rollout moved: its status phase
 * when the report is about the current move, `old report` when it is about an
 * earlier pointer, or `no report`.
 */
export type AgentPhaseCount = Partial<Record<(typeof PHASES)[number] | 'old report' | 'no report', number>>;

/** One ring in `driftless rollout status --json`. */
export interface RingStatus {
  readonly name: string;
  readonly phase: Rollout['rings'][number]['phase'];
  readonly wavesOpened: number;
  readonly openedAt?: string;
  readonly soakingSince?: string;
  readonly finishedAt?: string;
  /** The ring's clusters by rollout state (pending, moved, applied, failed, …): core's summary. */
  readonly clusters: RolloutSummary['rings'][number]['clusters'];
  /** The clusters whose pointer the rollout moved, by the phase their agent last reported. */
  readonly agents: AgentPhaseCount;
  readonly gates: readonly GateState[];
  /** Its metric checks, in plan order: the latest worst value against the threshold (empty when it lists none). */
  readonly checks: readonly CheckStatus[];
  readonly approval?: ActionRecord;
}

/** The `driftless rollout status --json` document. */
export interface RolloutStatusDocument {
  readonly id: string;
  readonly revision: string;
  readonly phase: Rollout['phase'];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly rings: readonly RingStatus[];
  readonly halt?: NonNullable<Rollout['halt']>;
  readonly frozen?: NonNullable<RolloutSummary['frozen']>;
  readonly supersededBy?: string;
}

/** The clusters of `rollout` whose pointer it moved (to the release or back): the ones whose agents' phases the status counts. */
export function movedClusters(rollout: Rollout): string[] {
  return Object.entries(rollout.clusters)
    .filter(([, c]) => c.movedAt !== undefined)
    .map(([name]) => name);
}

/**
 * The phase a moved cluster's agent reported about the cluster's current move:
 * a report counts only at or after the pointer generation the move wrote; until
 * the hub recorded that generation, or while the agent still reports an earlier
 * pointer (right after a wave opens: Applied of the previous bundle), it is an
 * `old report`.
 */
function reportedPhase(cluster: Rollout['clusters'][string], status: ObservedStatus | undefined): keyof AgentPhaseCount {
  if (status === undefined) return 'no report';
  return cluster.generation !== undefined && status.observedGeneration >= cluster.generation ? status.phase : 'old report';
}

/** The status document of `rollout` (pure): core's per-ring counts next to the agents' phases of the clusters it moved. */
export function rolloutStatusDocument(rollout: Rollout, summary: RolloutSummary, statuses: ReadonlyMap<string, ObservedStatus>): RolloutStatusDocument {
  const agents: AgentPhaseCount[] = rollout.rings.map(() => ({}));
  for (const name of movedClusters(rollout)) {
    const cluster = rollout.clusters[name];
    const ring = agents[cluster?.ring ?? -1];
    const phase = cluster ? reportedPhase(cluster, statuses.get(name)) : 'no report';
    if (ring) ring[phase] = (ring[phase] ?? 0) + 1;
  }
  return {
    id: rollout.id,
    revision: rollout.revision,
    phase: rollout.phase,
    createdAt: rollout.createdAt,
    updatedAt: rollout.updatedAt,
    rings: rollout.rings.map((r, i) => ({
      name: r.name,
      phase: r.phase,
      wavesOpened: r.wavesOpened,
      ...(r.openedAt ? { openedAt: r.openedAt } : {}),
      ...(r.soakingSince ? { soakingSince: r.soakingSince } : {}),
      ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
      clusters: summary.rings[i]?.clusters ?? {},
      agents: agents[i] ?? {},
      gates: r.gates,
      checks: checkStatuses(rollout, i, summary.rings[i]?.checks ?? []),
      ...(r.approval ? { approval: r.approval } : {}),
    })),
    ...(rollout.halt ? { halt: rollout.halt } : {}),
    ...(summary.frozen ? { frozen: summary.frozen } : {}),
    ...(rollout.supersededBy ? { supersededBy: rollout.supersededBy } : {}),
  };
}

