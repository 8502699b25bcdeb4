import { isLabelKey } from '../fleet/labels.js';
import type { MetricQueryResult } from '../ports/metric-source.js';
import type { MetricReading } from './machine-types.js';
import type { CheckAggregate, CheckPlan } from './plan.js';
import type { Rollout } from './rollout-document.js';
import { clustersOfRing, type NamedCluster } from './waves.js';

/** One query a step needs answered before it runs: check `check` of ring `ring` for `subject` (a cluster, or the ring). */
export interface MetricQuery {
  readonly check: string;
  readonly ring: string;
  /** The cluster's name (`aggregate: cluster`) or the ring's (`aggregate: ring`): the key of its reading. */
  readonly subject: string;
  /** The PromQL with its variables substituted. */
  readonly query: string;
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const LABEL_PREFIX = 'cluster.labels.';

/** The variables a check's query may use, by aggregate (the hint in errors). */
export const CHECK_VARIABLES: Readonly<Record<CheckAggregate, readonly string[]>> = {
  cluster: ['${cluster.name}', '${cluster.labels.KEY}', '${ring}'],
  ring: ['${ring}', '${ring.clusters}'],
};

function known(name: string, aggregate: CheckAggregate): boolean {
  if (name === 'ring') return true;
  if (aggregate === 'ring') return name === 'ring.clusters';
  return name === 'cluster.name' || (name.startsWith(LABEL_PREFIX) && isLabelKey(name.slice(LABEL_PREFIX.length)));
}

/**
 * The first variable of `query` that a check with `aggregate` cannot use
 * (`${vars.x}`, `${cluster.name}` in a ring query, a label KEY that is
 * not a Kubernetes label key, a typo), written as in
 * the query, or undefined when every one is known. `$${…}` is a literal.
 */
export function unknownCheckVariable(query: string, aggregate: CheckAggregate): string | undefined {
  for (const m of query.matchAll(REFERENCE)) {
    if (m[1] === '$' || m[2] === undefined) continue;
    if (!known(m[2].trim(), aggregate)) return m[0];
  }
  return undefined;
}

/** The label keys `${cluster.labels.KEY}` of every check names: what a rollout records of each cluster's labels. */
export function checkLabelKeys(checks: readonly CheckPlan[]): string[] {
  const keys = new Set<string>();
  for (const check of checks) {
    for (const m of check.query.matchAll(REFERENCE)) {
      const name = m[2]?.trim();
      if (m[1] !== '$' && name?.startsWith(LABEL_PREFIX)) keys.add(name.slice(LABEL_PREFIX.length));
    }
  }
  return [...keys].sort();
}

/** What a query's variables stand for in one evaluation. */
export interface CheckQueryContext {
  readonly ring: string;
  readonly cluster?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The ring's moved clusters (`${ring.clusters}`). */
  readonly ringClusters?: readonly string[];
}

/**
 * `query` with its variables replaced; undefined when one has no value here
 * (a label the cluster does not have), which the caller reports as that
 * subject's error rather than sending a query with a hole in it.
 */
export function substituteCheckQuery(query: string, ctx: CheckQueryContext): string | undefined {
  let missing = false;
  const out = query.replace(REFERENCE, (match, escape: string, raw: string) => {
    if (escape === '$') return match.slice(1);
    const name = raw.trim();
    let value: string | undefined;
    if (name === 'ring') value = ctx.ring;
    else if (name === 'cluster.name') value = ctx.cluster;
    else if (name === 'ring.clusters') value = ctx.ringClusters?.map(escapeRegex).join('|');
    else if (name.startsWith(LABEL_PREFIX) && ctx.labels !== undefined) {
      const key = name.slice(LABEL_PREFIX.length);
      value = Object.hasOwn(ctx.labels, key) ? ctx.labels[key] : undefined;
    }
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : out;
}

/** A cluster name as a literal inside a PromQL regex string (names are DNS labels; this keeps any other text literal too). */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

/** Clusters of ring `index` a check judges, by name: moved there and not yet given up on (failed ones fail the health gate; excused ones a person accepted). */
export function judgedClusters(rollout: Rollout, index: number): NamedCluster[] {
  return clustersOfRing(rollout, index).filter(({ cluster }) => cluster.state === 'moved' || cluster.state === 'applied');
}

/**
 * Every query step `rollout` needs answered, in ring, check and subject
 * order: for each ring that is Progressing or Soaking, each of its checks,
 * once per judged cluster (`aggregate: cluster`) or once for the ring over
 * its judged clusters (`aggregate: ring`). A cluster whose label a query
 * needs but the rollout did not record gets no query: the step reports it.
 */
export function metricQueries(rollout: Rollout): MetricQuery[] {
  const out: MetricQuery[] = [];
  const plans = new Map(rollout.plan.checks.map((c) => [c.name, c]));
  rollout.rings.forEach((ring, index) => {
    if (ring.phase !== 'Progressing' && ring.phase !== 'Soaking') return;
    const clusters = judgedClusters(rollout, index);
    if (clusters.length === 0) return;
    for (const name of rollout.plan.rings[index]?.checks ?? []) {
      const check = plans.get(name);
      if (check === undefined) continue;
      if (check.aggregate === 'ring') {
        const query = substituteCheckQuery(check.query, { ring: ring.name, ringClusters: clusters.map((c) => c.name) });
        if (query !== undefined) out.push({ check: name, ring: ring.name, subject: ring.name, query });
        continue;
      }
      for (const { name: cluster, cluster: c } of clusters) {
        const query = substituteCheckQuery(check.query, { ring: ring.name, cluster, labels: c.labels ?? {} });
        if (query !== undefined) out.push({ check: name, ring: ring.name, subject: cluster, query });
      }
    }
  });
  return out;
}

/**
 * A query's result as a check reads it: one value. An empty vector or NaN
 * (0/0: no traffic) is no data; more than one series is an error that says
 * how to fix the query, never a guess at which series was meant. A result
 * the API sent warnings with (partial data) is an error naming the first.
 */
export function readingOf(result: MetricQueryResult): MetricReading {
  // Partial data reads too low or empty: a silent pass under `noData: pass` or a missed breach.
  const [warning] = result.warnings ?? [];
  if (warning !== undefined) return { error: `partial result: ${warning}` };
  if (result.resultType === 'scalar') return Number.isNaN(result.value) ? {} : { value: result.value };
  const [first, ...rest] = result.series;
  if (first === undefined) return {};
  if (rest.length > 0) {
    return { error: `the query returned ${result.series.length} series; a check needs one value: aggregate it (sum, max, avg by nothing)` };
  }
  return Number.isNaN(first.value) ? {} : { value: first.value };
}
