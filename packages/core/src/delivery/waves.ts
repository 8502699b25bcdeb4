import { resolveAmount } from './plan.js';
import type { ClusterRollout, Rollout } from './rollout-document.js';
import { audit, subjectOf, type StepContext } from './step-context.js';

/** One cluster of a ring, with its name. */
export interface NamedCluster {
  readonly name: string;
  readonly cluster: ClusterRollout;
}

/** The clusters of ring `index`, sorted by name (the order waves take them in). */
export function clustersOfRing(rollout: Rollout, index: number): NamedCluster[] {
  const out: NamedCluster[] = [];
  for (const name of Object.keys(rollout.clusters).sort()) {
    const cluster = rollout.clusters[name];
    if (cluster !== undefined && cluster.ring === index) out.push({ name, cluster });
  }
  return out;
}

/** Clusters the rollout moves (or moved): not `unchanged`, not `refused`. Wave sizes and budgets are shares of these. */
export function gatedClusters(clusters: readonly NamedCluster[]): NamedCluster[] {
  return clusters.filter(({ cluster }) => cluster.state !== 'unchanged' && cluster.state !== 'refused');
}

/** Failed clusters of a ring and its failure budget (`maxFailures` of its gated clusters, rounded down). */
export function failureBudget(rollout: Rollout, index: number): { failed: NamedCluster[]; budget: number; total: number } {
  const gated = gatedClusters(clustersOfRing(rollout, index));
  const plan = rollout.plan.rings[index];
  const budget = plan === undefined ? 0 : resolveAmount(plan.maxFailures, gated.length, false);
  return { failed: gated.filter(({ cluster }) => cluster.state === 'failed'), budget, total: gated.length };
}

/**
 * Opens the ring's next wave: the first `maxConcurrent` (of its gated
 * clusters, rounded up, at least 1) pending clusters by name move to the
 * release's bundle. Returns how many moved (0: nothing pending).
 */
export function openWave(ctx: StepContext, index: number): number {
  const { draft } = ctx;
  const ring = draft.rings[index];
  const plan = draft.plan.rings[index];
  if (ring === undefined || plan === undefined) return 0;
  const clusters = clustersOfRing(draft, index);
  const size = resolveAmount(plan.maxConcurrent, gatedClusters(clusters).length, true);
  const wave = clusters.filter(({ cluster }) => cluster.state === 'pending').slice(0, size);
  if (wave.length === 0) return 0;
  ring.wavesOpened += 1;
  for (const { name, cluster } of wave) {
    cluster.state = 'moved';
    cluster.wave = ring.wavesOpened;
    cluster.movedAt = ctx.at;
    // The move writes a new pointer generation (the controller records it); verdicts of an earlier move no longer apply.
    delete cluster.generation;
    delete cluster.settledAt;
    delete cluster.reason;
    ctx.moves.push({ cluster: name, digest: cluster.to, reason: 'wave' });
  }
  audit(ctx, {
    action: 'wave.opened',
    subject: subjectOf(draft, ring.name),
    data: { ring: ring.name, wave: ring.wavesOpened, clusters: wave.length },
    reason: `wave ${ring.wavesOpened} of ring ${ring.name}: ${wave.length} cluster(s) moved to the release`,
  });
  return wave.length;
}

/**
 * `onFailure: revert` for a Failed ring: its moved, applied and failed
 * clusters go back to `from` in one step, except those whose stateful apps
 * changed (they only halt; the fix goes forward) and new clusters without a
 * `from` (nothing to go back to). Marks the ring reverted so it happens once.
 */
export function revertRing(ctx: StepContext, index: number): void {
  const { draft } = ctx;
  const ring = draft.rings[index];
  if (ring === undefined) return;
  let reverted = 0;
  let keptStateful = 0;
  let keptNew = 0;
  for (const { name, cluster } of clustersOfRing(draft, index)) {
    if (cluster.state !== 'moved' && cluster.state !== 'applied' && cluster.state !== 'failed') continue;
    if (cluster.statefulChanged) keptStateful += 1;
    else if (cluster.from === undefined) keptNew += 1;
    else {
      cluster.state = 'reverted';
      cluster.movedAt = ctx.at;
      delete cluster.generation;
      ctx.moves.push({ cluster: name, digest: cluster.from, reason: 'revert' });
      reverted += 1;
    }
  }
  ring.reverted = true;
  audit(ctx, {
    action: 'rollout.reverted',
    subject: subjectOf(draft, ring.name),
    data: { ring: ring.name, clusters: reverted, keptStateful, keptNew },
    reason: `ring ${ring.name} failed: ${reverted} cluster(s) moved back to their last good bundle, ${keptStateful} kept (stateful apps changed: roll forward only), ${keptNew} kept (no earlier bundle)`,
  });
}
