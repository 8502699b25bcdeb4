import { selectorMatches } from './selector.js';
import type { Cluster, Fleet } from './spec.js';
import { compileError } from './yaml-documents.js';

/** Which ring each cluster is in, and what is worth a warning. */
export interface RingAssignment {
  /** Cluster name -> index into `spec.delivery.rings` (and the resolved plan's rings). */
  readonly ringOf: ReadonlyMap<string, number>;
  /** One line per ring that gets no cluster, `fleet.yaml:LINE: ring NAME ...`. */
  readonly warnings: readonly string[];
}

/**
 * Puts each cluster in the first ring whose selector matches its labels.
 * Returns undefined when the fleet has no `delivery`. A cluster no ring takes
 * is an `InvalidDocument` error naming the cluster, its file and the line of
 * `delivery:` in `file` (the first such cluster by name, and how many more);
 * a ring that gets no cluster is only a warning, since a ring for clusters
 * not yet added is legitimate. Pure: the same inputs give the same output.
 */
export function assignRings(fleet: Fleet, clusters: readonly Cluster[], file = 'fleet.yaml'): RingAssignment | undefined {
  const rings = fleet.spec.delivery?.rings;
  if (!rings) return undefined;
  const ringOf = new Map<string, number>();
  const unplaced: string[] = [];
  for (const cluster of clusters) {
    const i = rings.findIndex((r) => selectorMatches(r.selector, cluster.metadata.labels));
    if (i < 0) unplaced.push(cluster.metadata.name);
    else ringOf.set(cluster.metadata.name, i);
  }
  const first = unplaced.sort()[0];
  if (first !== undefined) {
    const more = unplaced.length > 1 ? ` (and ${unplaced.length - 1} more: ${unplaced.slice(1, 4).join(', ')}${unplaced.length > 4 ? ', ...' : ''})` : '';
    throw compileError(
      file,
      fleet.lines?.delivery,
      `cluster ${first} (clusters/${first}.yaml) matches no ring of spec.delivery${more}: add a catch-all ring (selector: {}) last, or labels a ring selects`,
    );
  }
  const taken = new Set(ringOf.values());
  const warnings: string[] = [];
  rings.forEach((ring, i) => {
    if (taken.has(i)) return;
    const where = fleet.lines?.rings?.[i] === undefined ? file : `${file}:${fleet.lines.rings[i]}`;
    const matched = clusters.some((c) => selectorMatches(ring.selector, c.metadata.labels));
    warnings.push(`${where}: ring ${ring.name} gets no cluster: ${matched ? 'every cluster it selects is in an earlier ring' : 'its selector matches no cluster'}`);
  });
  return { ringOf, warnings };
}
