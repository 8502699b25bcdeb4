import { checkLabelKeys } from '../delivery/check-queries.js';
import type { DeliveryPlan } from '../delivery/plan.js';
import { resolveDeliveryPlan } from './delivery-spec.js';
import { selectorMatches } from './selector.js';
import type { Cluster, Fleet } from './spec.js';
import { compileError } from './yaml-documents.js';

/** Which ring each cluster is in, and what is worth a warning. */
export interface RingAssignment {
  /** Cluster name -> index into `spec.delivery.rings` (and the resolved plan's rings). */
  readonly ringOf: ReadonlyMap<string, number>;
  /** One line per ring that gets no cluster (`fleet.yaml:LINE: ring NAME ...`), then per check no ring lists. */
  readonly warnings: readonly string[];
}

/**
 * Puts each cluster in the first ring whose selector matches its labels.
 * Returns undefined when the fleet has no `delivery`. A cluster no ring takes
 * is an `InvalidDocument` error naming the cluster, its file and the line of
 * `delivery:` in `file` (the first such cluster by name, and how many more);
 * a ring that gets no cluster is only a warning, since a ring for clusters
 * not yet added is legitimate. So is a check no ring lists. A cluster that
 * lacks a label (`${cluster.labels.KEY}`) a check of its ring queries is an
 * error too, naming the cluster, its file, the label and the check's line:
 * its query could never be sent. Pure: the same inputs give the same output.
 */
export function assignRings(fleet: Fleet, clusters: readonly Cluster[], file = 'fleet.yaml'): RingAssignment | undefined {
  const delivery = fleet.spec.delivery;
  if (!delivery) return undefined;
  const rings = delivery.rings;
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
  const plan = resolveDeliveryPlan(delivery);
  requireCheckLabels(plan, clusters, ringOf, (check, message) => compileError(file, checkLine(fleet, check), message));
  const listed = new Set(plan.checks.map((c) => c.name));
  for (const check of delivery.checks.filter((c) => !listed.has(c.name))) {
    const line = checkLine(fleet, check.name);
    warnings.push(`${line === undefined ? file : `${file}:${line}`}: check ${check.name} is listed by no ring: it gates nothing (add it to a ring's checks, or remove it)`);
  }
  return { ringOf, warnings };
}

/** The line of check `name`'s entry in fleet.yaml, when parseFleet recorded it. */
function checkLine(fleet: Fleet, name: string): number | undefined {
  return fleet.lines?.checks?.[fleet.spec.delivery?.checks.findIndex((c) => c.name === name) ?? -1];
}

/**
 * Throws for the first cluster (by name) that lacks a label a check of its
 * ring names, saying how many more do, as `error(check, message)` makes it
 * (at the line of the check whose query names the label).
 */
function requireCheckLabels(
  plan: DeliveryPlan,
  clusters: readonly Cluster[],
  ringOf: ReadonlyMap<string, number>,
  error: (check: string, message: string) => Error,
): void {
  const keysOf = new Map(plan.checks.map((c) => [c.name, checkLabelKeys([c])]));
  const missing: { cluster: string; key: string; check: string; ring: string }[] = [];
  for (const cluster of [...clusters].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const ring = plan.rings[ringOf.get(cluster.metadata.name) ?? -1];
    const lack = ring?.checks.flatMap((check) => (keysOf.get(check) ?? []).filter((key) => !Object.hasOwn(cluster.metadata.labels, key)).map((key) => ({ check, key })))[0];
    if (ring && lack) missing.push({ cluster: cluster.metadata.name, ring: ring.name, ...lack });
  }
  const [first, ...rest] = missing;
  if (first === undefined) return;
  const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.slice(0, 3).map((m) => `${m.cluster} has no label ${m.key}`).join(', ')}${rest.length > 3 ? ', ...' : ''})` : '';
  const { cluster, key, check, ring } = first;
  throw error(
    check,
    `cluster ${cluster} (clusters/${cluster}.yaml) has no label ${key}, which check ${check} of its ring ${ring} names (\${cluster.labels.${key}})${more}: add the label to the cluster, or take the check off the ring`,
  );
}
