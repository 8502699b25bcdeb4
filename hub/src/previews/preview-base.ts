import { createHash } from 'node:crypto';
import { canonicalBytes, selectorMatches, type Cluster, type Fleet } from '@driftless/core';
import type { PreviewBase } from './preview-types.js';

/**
 * What a compile of `revision` resolves for previews (see PreviewBase),
 * without the branch name, which only the caller knows; undefined when
 * fleet.yaml has no `spec.previews`. `clusters` must be every cluster of the
 * commit, sorted by name: the hosts are those `spec.previews.clusters`
 * selects, and `inputs` hashes spec.previews and each host's name, labels
 * and vars (canonical JSON, sha256 hex), so a change to any other cluster or
 * app leaves it as it was.
 */
export function previewBaseOf(revision: string, fleet: Fleet, clusters: readonly Cluster[]): Omit<PreviewBase, 'branch'> | undefined {
  const spec = fleet.spec.previews;
  if (!spec) return undefined;
  const hosts = clusters.filter((c) => selectorMatches(spec.clusters, c.metadata.labels));
  const read = hosts.map((h) => ({ name: h.metadata.name, labels: h.metadata.labels, vars: h.spec.vars }));
  const inputs = createHash('sha256').update(canonicalBytes([spec, read])).digest('hex');
  return { revision, spec, hosts, inputs };
}
