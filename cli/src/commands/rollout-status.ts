import type { ActionRecord, GateState, ObservedStatus, PHASES, Rollout } from '@driftless/core';
import type { RolloutSummary } from '@driftless/hub';
import { checkStatuses, renderCheckLine, type CheckStatus } from './rollout-checks.js';

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

/** `applied 2, moved 1`, or `-` when empty. */
function counts(c: Readonly<Record<string, number | undefined>>): string {
  const parts = Object.entries(c).flatMap(([k, n]) => (n ? [`${k} ${n}`] : []));
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** The human form: a header, then a table with one row per ring, each followed by its gates and approval. */
export function renderRolloutStatus(doc: RolloutStatusDocument): string {
  const lines = [`rollout ${doc.id} (revision ${doc.revision.slice(0, 12)}): ${doc.phase}`, `created ${doc.createdAt}, updated ${doc.updatedAt}`];
  if (doc.supersededBy) lines.push(`superseded by rollout ${doc.supersededBy}`);
  if (doc.frozen) lines.push(`frozen by ${doc.frozen.actor} at ${doc.frozen.at}: ${doc.frozen.reason} (no pointer moves; driftless unfreeze --reason … to continue)`);
  if (doc.halt) {
    const how = [doc.halt.automatic ? 'automatic' : 'by hand', ...(doc.halt.ring ? [`ring ${doc.halt.ring}`] : [])].join(', ');
    lines.push(`halted by ${doc.halt.actor} at ${doc.halt.at} (${how}): ${doc.halt.reason} (driftless rollout resume --reason … to continue)`);
  }
  const rows = [['RING', 'PHASE', 'WAVES', 'ROLLOUT', 'AGENTS'], ...doc.rings.map((r) => [r.name, r.phase, String(r.wavesOpened), counts(r.clusters), counts(r.agents)])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const row = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  lines.push(row(rows[0] ?? []));
  doc.rings.forEach((r, i) => {
    lines.push(row(rows[i + 1] ?? []));
    for (const g of r.gates) lines.push(`  gate ${g.gate}: ${g.state} since ${g.since}: ${g.reason}`);
    for (const c of r.checks) lines.push(renderCheckLine(c));
    if (r.approval) lines.push(`  approved by ${r.approval.actor} at ${r.approval.at}: ${r.approval.reason}`);
  });
  return `${lines.join('\n')}\n`;
}
