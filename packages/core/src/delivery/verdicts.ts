import { formatDurationMs } from '../duration.js';
import type { ObservedStatus } from './machine-types.js';
import type { RingPlan } from './plan.js';
import type { ClusterRollout } from './rollout-document.js';
import type { StepContext } from './step-context.js';

/** A cluster's verdict from its status: applied, failed (with why), or none yet. */
export type ClusterVerdict = { readonly state: 'applied' } | { readonly state: 'failed'; readonly reason: string };

/** Whether the status is about the pointer the move wrote (or a later one); unknown generation: only Applied of `to` counts. */
function isCurrent(cluster: ClusterRollout, status: ObservedStatus): boolean {
  return cluster.generation !== undefined && status.observedGeneration >= cluster.generation;
}

/**
 * The verdict for a `moved` or `applied` cluster (undefined: none, keep its state):
 * - applied: the agent reports Applied for `to` (at the move's generation or later, when known);
 * - failed: Degraded or Failed about the move's generation (an older generation's report says
 *   nothing about this move), or still no Applied `progressDeadlineMs` after the move.
 * Stale and Progressing reports give no verdict.
 */
export function verdictOf(cluster: ClusterRollout, status: ObservedStatus | undefined, ring: RingPlan, nowMs: number): ClusterVerdict | undefined {
  if (cluster.state !== 'moved' && cluster.state !== 'applied') return undefined;
  if (status !== undefined && (status.phase === 'Degraded' || status.phase === 'Failed') && isCurrent(cluster, status)) {
    return { state: 'failed', reason: status.lastError === undefined ? status.phase : `${status.phase}: ${status.lastError}` };
  }
  if (cluster.state === 'applied') return undefined;
  const generationOk = cluster.generation === undefined || (status !== undefined && status.observedGeneration >= cluster.generation);
  if (status !== undefined && status.phase === 'Applied' && status.appliedBundle === cluster.to && generationOk) return { state: 'applied' };
  const movedAt = cluster.movedAt === undefined ? undefined : Date.parse(cluster.movedAt);
  if (movedAt !== undefined && movedAt + ring.progressDeadlineMs <= nowMs) {
    return { state: 'failed', reason: `no Applied report within ${formatDurationMs(ring.progressDeadlineMs)}` };
  }
  return undefined;
}

/**
 * Records every verdict the statuses allow, for clusters of rings that are
 * open or failed (a Succeeded ring is final: what happens to its clusters
 * later is the next release's business). Clusters in name order.
 */
export function recordVerdicts(ctx: StepContext, statuses: ReadonlyMap<string, ObservedStatus>): void {
  const { draft } = ctx;
  for (const name of Object.keys(draft.clusters).sort()) {
    const cluster = draft.clusters[name];
    const ringState = cluster === undefined ? undefined : draft.rings[cluster.ring];
    const ringPlan = cluster === undefined ? undefined : draft.plan.rings[cluster.ring];
    if (cluster === undefined || ringState === undefined || ringPlan === undefined) continue;
    if (ringState.phase !== 'Progressing' && ringState.phase !== 'Soaking' && ringState.phase !== 'Failed') continue;
    const verdict = verdictOf(cluster, statuses.get(name), ringPlan, ctx.nowMs);
    if (verdict === undefined) continue;
    cluster.state = verdict.state;
    cluster.settledAt = ctx.at;
    if (verdict.state === 'failed') cluster.reason = verdict.reason;
    else delete cluster.reason;
  }
}
