import { createHash } from 'node:crypto';
import { canonicalBytes, selectorMatches, type Cluster, type Fleet } from '@driftless/core';
import type { PreviewBase } from './preview-types.js';

/**
 * What a compile of `revision` resolves for previews (see PreviewBase),
 * without the branch name, which only the caller knows. Without
 * `spec.previews` in fleet.yaml: no spec, no hosts (a removal-only base: the
 * cycle removes the previews left). `clusters` must be every cluster of the
 * commit, sorted by name: the hosts are those `spec.previews.clusters`
 * selects. `releaseNamespaces` are the namespaces fleet.yaml's apps deliver
 * to (`default` for an app without one): read from fleet.yaml, not the
 * bundles, since a compile renders only the clusters that changed. `inputs`
 * hashes spec.previews, the release namespaces and each host's name, labels
 * and vars (canonical JSON, sha256 hex), so a change to any other cluster or
 * app leaves it as it was.
 */
export function previewBaseOf(revision: string, fleet: Fleet, clusters: readonly Cluster[]): Omit<PreviewBase, 'branch'> {
  const spec = fleet.spec.previews;
  if (!spec) return { revision, spec: undefined, hosts: [], inputs: 'no spec.previews' };
  const hosts = clusters.filter((c) => selectorMatches(spec.clusters, c.metadata.labels));
  const releaseNamespaces = [...new Set(fleet.spec.apps.map((a) => a.namespace ?? 'default'))].sort();
  const read = hosts.map((h) => ({ name: h.metadata.name, labels: h.metadata.labels, vars: h.spec.vars }));
  const inputs = createHash('sha256').update(canonicalBytes([spec, read, releaseNamespaces])).digest('hex');
  return { revision, spec, hosts, inputs, releaseNamespaces };
}
