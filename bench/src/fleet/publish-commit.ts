import { DriftlessError } from '@driftless/core';
import type { Hub } from '@driftless/hub';

/**
 * Compiles and publishes the newest commit of `repo` with the real hub. A
 * cluster the hub refused (the mass-prune guard) keeps its old pointer and
 * would never be expected to converge, so the bench would report it as
 * neither failed nor slow: it stops here instead (PublishRefused, naming the
 * clusters).
 */
export async function publishCommit(hub: Hub, repo: string): Promise<void> {
  const report = await hub.compile({ repo });
  if (report.refused.length === 0) return;
  const names = report.refused.map((r) => r.cluster);
  throw new DriftlessError(
    'PublishRefused',
    `revision ${report.revision} publish failed: the hub refused ${names.length} cluster(s) (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}): ${report.refused[0]?.reason ?? ''}`,
    { clusters: [...report.refused] },
  );
}
