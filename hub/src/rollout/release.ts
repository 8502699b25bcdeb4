import { revertDue, type Digest, type Release, type ReleaseCluster, type Rollout } from '@driftless/core';
import type { CompiledDelivery, CompiledFleet } from '../compile.js';
import type { PublishResult } from '../publish/publish-fleet.js';

/** What a compile knows when it releases a commit with `spec.delivery`. */
export interface ReleaseInput {
  readonly id: string;
  readonly compiled: CompiledFleet;
  readonly delivery: CompiledDelivery;
  /** The publish (pointers held): each cluster's current pointer and the guard's refusals. */
  readonly published: Pick<PublishResult, 'memo' | 'refused'>;
  /** The current rollout before this release supersedes it: its stateful keys say what each cluster has now. */
  readonly previous?: Rollout;
}

/**
 * The release of a compiled commit (pure): per cluster its ring, the bundle it
 * gets (`to`), the one its pointer names now (`from`), whether the mass-prune
 * guard refused it, and `statefulChanged`: the cluster gets a stateful app
 * and the previous rollout does not show the same stateful key for the bundle
 * it has now (unknown counts as changed, so a stateful cluster is never
 * reverted on a guess), and the cluster's labels the plan's checks name.
 */
export function buildRelease(input: ReleaseInput): Omit<Release, 'supersedes'> {
  const { compiled, delivery, previous } = input;
  const refused = new Set(input.published.refused.map((r) => r.cluster));
  const targets = new Map<string, Digest>([...[...compiled.bundles].map(([c, b]) => [c, b.digest] as const), ...compiled.unchanged]);
  const clusters = new Map<string, ReleaseCluster>();
  for (const [cluster, to] of [...targets].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const from = lastGoodBundle(previous, cluster, to) ?? input.published.memo.pointers[cluster]?.digest;
    const key = delivery.statefulKeys.get(cluster);
    const before = previous?.clusters[cluster];
    const labels = delivery.labels?.get(cluster);
    const sameState = before !== undefined && before.to === from && before.statefulKey === key;
    clusters.set(cluster, {
      ring: delivery.ringOf.get(cluster) ?? 0,
      to,
      ...(from ? { from } : {}),
      statefulChanged: key !== undefined && !sameState,
      ...(refused.has(cluster) ? { refused: true } : {}),
      ...(labels ? { labels } : {}),
    });
  }
  return { id: input.id, revision: compiled.revision, plan: delivery.plan, clusters };
}

/**
 * The previous rollout's `from` for a cluster whose revert was due when it was
 * superseded (its ring failed under `onFailure: revert` while frozen): its
 * pointer still names the bad bundle, and a revert of the new release must go
 * back to the last good one. Undefined otherwise, and when that bundle is the
 * new `to` (the cluster must still move off the bad bundle, so it is no `unchanged`).
 */
function lastGoodBundle(previous: Rollout | undefined, cluster: string, to: Digest): Digest | undefined {
  const before = previous?.clusters[cluster];
  if (previous === undefined || before?.from === undefined || before.statefulChanged || !revertDue(previous, before.ring)) return undefined;
  if (before.state !== 'moved' && before.state !== 'applied' && before.state !== 'failed') return undefined;
  return before.from === to ? undefined : (before.from as Digest);
}
