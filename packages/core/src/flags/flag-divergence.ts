import type { RevisionRecord } from '../documents/revision.js';
import { labelsMatch, parseLabelSelector } from '../label-selector-string.js';
import type { FlagOverride, FlagRecord } from './flag-definition.js';
import { NO_RING } from './flag-records.js';

/**
 * Whether an override diverges from Git: some cluster it selects (by its
 * labels in the revision record; every cluster without a selector) does not
 * already get the override's variant from Git. Judged per ring, as the
 * record keeps variants per ring: a selected cluster's ring must have only
 * that variant. An override that selects no cluster does not diverge; one
 * whose selector does not parse does (it cannot be shown to agree).
 */
export function overrideDiverges(record: FlagRecord, override: FlagOverride, revision: Pick<RevisionRecord, 'clusters' | 'rings' | 'labels'>): boolean {
  if (record.uniform === override.variant) return false;
  if (override.selector === undefined) return true;
  let requirements: ReturnType<typeof parseLabelSelector>;
  try {
    requirements = parseLabelSelector(override.selector);
  } catch {
    return true;
  }
  for (const cluster of Object.keys(revision.clusters)) {
    if (!labelsMatch(requirements, revision.labels?.[cluster] ?? {})) continue;
    const got = record.variantsByRing[revision.rings?.[cluster] ?? NO_RING] ?? [];
    if (got.length !== 1 || got[0] !== override.variant) return true;
  }
  return false;
}
