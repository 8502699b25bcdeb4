import type { RevisionRecord } from '../documents/revision.js';
import { labelsMatch, parseLabelSelector } from '../label-selector-string.js';
import type { FlagOverride, FlagRecord } from './flag-definition.js';
import { NO_RING } from './flag-records.js';
import { resolveFlagVariant } from './flagd-document.js';

/**
 * Whether an override diverges from Git: some cluster it selects (by its
 * labels in the revision record; every cluster without a selector) does not
 * already get the override's variant from Git. Judged per selected cluster by
 * resolving the flag's recorded rule inputs (rollout, defaultVariant) against
 * the cluster's labels and ring, so a label rule in a ring of mixed clusters
 * agrees. A record written before the rule inputs were kept is judged per
 * ring: the selected cluster's ring must have only that variant. An override
 * that selects no cluster does not diverge; one whose selector does not parse
 * does, and so does one of a flag with targeting that selects any cluster
 * (neither can be shown to agree: targeting may give some users another
 * variant, which clearing the override brings back; review 14b #4).
 */
export function overrideDiverges(record: FlagRecord, override: FlagOverride, revision: Pick<RevisionRecord, 'clusters' | 'rings' | 'labels'>): boolean {
  if (record.uniform === override.variant && !record.targeting) return false;
  if (override.selector === undefined) return true;
  let requirements: ReturnType<typeof parseLabelSelector>;
  try {
    requirements = parseLabelSelector(override.selector);
  } catch {
    return true;
  }
  for (const cluster of Object.keys(revision.clusters)) {
    if (!labelsMatch(requirements, revision.labels?.[cluster] ?? {})) continue;
    if (record.targeting) return true;
    if (gitVariants(record, cluster, revision).some((v) => v !== override.variant)) return true;
  }
  return false;
}

/** The variant(s) Git gives `cluster`: exactly one from the recorded rules, else every variant its ring got (none: unknown, so diverging). */
function gitVariants(record: FlagRecord, cluster: string, revision: Pick<RevisionRecord, 'rings' | 'labels'>): readonly string[] {
  const ring = revision.rings?.[cluster];
  if (record.rollout !== undefined && record.defaultVariant !== undefined) {
    return [resolveFlagVariant({ rollout: record.rollout, defaultVariant: record.defaultVariant }, { labels: revision.labels?.[cluster] ?? {}, ...(ring === undefined ? {} : { ring }) })];
  }
  const got = record.variantsByRing[ring ?? NO_RING] ?? [];
  return got.length === 0 ? [''] : got;
}
