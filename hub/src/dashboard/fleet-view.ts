import { labelsMatch, type LabelRequirement } from '@driftless/core';
import { CLUSTER_PHASES, type ClusterPage, type ClusterPhase, type ClusterRow, type FleetSummary } from './api-types.js';
import type { FleetSnapshot } from './fleet-summary.js';

/** The clusters a request selects (api-types.ts FILTER); every field optional. */
export interface FleetFilter {
  readonly selector?: readonly LabelRequirement[];
  readonly ring?: string;
  readonly phase?: ClusterPhase;
}

/** Whether `row` passes `filter` (pure). */
export function selects(filter: FleetFilter, row: ClusterRow): boolean {
  if (filter.ring !== undefined && row.ring !== filter.ring) return false;
  if (filter.phase !== undefined && row.phase !== filter.phase) return false;
  return filter.selector === undefined || labelsMatch(filter.selector, row.labels);
}

/** GET /fleet's answer over the rows `filter` selects (pure): counts, label suggestions over the whole fleet, the column-wise grid. */
export function fleetSummaryOf(snap: FleetSnapshot, filter: FleetFilter): FleetSummary {
  const rows = snap.rows.filter((r) => selects(filter, r));
  const byPhase: Partial<Record<ClusterPhase, number>> = {};
  const revisionCount = new Map<string, number>();
  const ringCount = new Map<string, number>();
  for (const r of rows) {
    byPhase[r.phase] = (byPhase[r.phase] ?? 0) + 1;
    if (r.desiredRevision !== undefined) revisionCount.set(r.desiredRevision, (revisionCount.get(r.desiredRevision) ?? 0) + 1);
    if (r.ring !== undefined) ringCount.set(r.ring, (ringCount.get(r.ring) ?? 0) + 1);
  }
  const byRevision = [...revisionCount].map(([revision, clusters]) => ({ revision, clusters })).sort((a, b) => b.clusters - a.clusters || (a.revision < b.revision ? -1 : 1));
  const revisions = byRevision.map((r) => r.revision);
  const phaseIndex = new Map(CLUSTER_PHASES.map((p, i) => [p, i]));
  const ringIndex = new Map(snap.rings.map((r, i) => [r, i]));
  const revisionIndex = new Map(revisions.map((r, i) => [r, i]));
  const labels: Record<string, Set<string>> = {};
  for (const r of snap.rows) for (const [k, v] of Object.entries(r.labels)) (labels[k] ??= new Set()).add(v);
  const rollout = snap.rollout;
  return {
    refreshedAt: new Date(snap.refreshedAt).toISOString(),
    ...(snap.stale ? { stale: { since: new Date(snap.stale.since).toISOString(), error: snap.stale.error } } : {}),
    total: rows.length,
    fleetTotal: snap.rows.length,
    byPhase,
    byRevision,
    rings: snap.rings,
    byRing: snap.rings.map((ring) => ({ ring, clusters: ringCount.get(ring) ?? 0 })),
    revisions,
    labels: Object.fromEntries(Object.keys(labels).sort().map((k) => [k, [...(labels[k] ?? [])].sort()])),
    ...(snap.frozen ? { frozen: snap.frozen } : {}),
    ...(rollout ? { rollout: { id: rollout.id, phase: rollout.phase, revision: rollout.revision } } : {}),
    grid: {
      names: rows.map((r) => r.cluster),
      phase: rows.map((r) => phaseIndex.get(r.phase) ?? -1),
      ring: rows.map((r) => (r.ring === undefined ? -1 : (ringIndex.get(r.ring) ?? -1))),
      revision: rows.map((r) => (r.desiredRevision === undefined ? -1 : (revisionIndex.get(r.desiredRevision) ?? -1))),
      lagging: rows.map((r) => (r.lagging ? 1 : 0)),
    },
  };
}

/**
 * One page of the rows `filter` selects, sorted by name (pure): at most
 * `limit` after the cluster `after` (the previous page's `continue`, the
 * last name it held), so pages stay stable while clusters come and go.
 */
export function clusterPageOf(snap: FleetSnapshot, filter: FleetFilter, limit: number, after: string | undefined): ClusterPage {
  const rows = snap.rows.filter((r) => selects(filter, r));
  const start = after === undefined ? 0 : rows.findIndex((r) => r.cluster > after);
  const items = start < 0 ? [] : rows.slice(start, start + limit);
  const lastItem = items.at(-1);
  const more = start >= 0 && start + limit < rows.length;
  return { items, total: rows.length, ...(more && lastItem ? { continue: lastItem.cluster } : {}) };
}
