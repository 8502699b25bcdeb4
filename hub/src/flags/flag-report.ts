import { readFlagOverrides } from './flag-overrides-store.js';
import {
  flagHealth,
  overrideDiverges,
  parseJsonDocument,
  revisionRecordSchema,
  storeLayout,
  type Clock,
  type FlagHealth,
  type FlagOverride,
  type FlagRecord,
  type ObjectStore,
  type RevisionRecord,
} from '@driftless/core';
import { MAX_REVISION_RECORD_BYTES } from '../publish/revision-record.js';
import { readPublishMarker } from '../state/hub-state.js';

/** One flag in `driftless flags`: its revision-record entry (see FlagRecord) and what it means now. */
export type FlagReportRow = FlagRecord & {
  readonly key: string;
  /** Whole days since firstSeen, by the injected clock. */
  readonly ageDays: number;
  /** The active override, and whether it diverges from Git (some cluster it selects gets another variant from Git). */
  readonly override?: FlagOverride & { readonly divergesFromGit: boolean };
  readonly health: FlagHealth;
};

/** `driftless flags`: the flags of the last published revision (none published: revision undefined, no rows). */
export interface FlagReport {
  readonly revision?: string;
  readonly publishedAt?: string;
  readonly flags: readonly FlagReportRow[];
  /** Overrides of keys the record has no flag for (a flag removed from Git while its override stayed). */
  readonly orphanOverrides: Readonly<Record<string, FlagOverride>>;
}

const DAY_MS = 86_400_000;

/**
 * The record of the revision the store's marker (`hub/last-publish.json`)
 * names, as `driftless status` and `hub resign` find the last publish;
 * undefined when nothing was published or its record is not written yet.
 */
export async function readLastRevisionRecord(store: ObjectStore): Promise<RevisionRecord | undefined> {
  const { revision } = await readPublishMarker(store);
  if (revision === undefined) return undefined;
  const key = storeLayout.revision(revision);
  const got = await store.get(key, { maxBytes: MAX_REVISION_RECORD_BYTES });
  return got.kind === 'found' ? parseJsonDocument(revisionRecordSchema, got.body, `revision record ${key}`) : undefined;
}

/**
 * Every flag of the last published revision record with its health at the
 * clock's now and its active override (from `flags/overrides.json`), sorted
 * by key; see flagHealth and overrideDiverges.
 */
export async function flagReport(store: ObjectStore, clock: Clock): Promise<FlagReport> {
  const [record, read] = await Promise.all([readLastRevisionRecord(store), readFlagOverrides(store)]);
  const overrides = read?.doc.overrides ?? {};
  const now = clock.now();
  const flags = Object.entries(record?.flags ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, r]): FlagReportRow => {
      const override = overrides[key];
      return {
        key,
        ...r,
        ageDays: Math.floor((now - Date.parse(r.firstSeen)) / DAY_MS),
        ...(override && record ? { override: { ...override, divergesFromGit: overrideDiverges(r, override, record) } } : {}),
        health: flagHealth(r, now, override),
      };
    });
  const orphanOverrides = Object.fromEntries(Object.entries(overrides).filter(([key]) => !record?.flags?.[key]));
  return { ...(record ? { revision: record.revision, publishedAt: record.publishedAt } : {}), flags, orphanOverrides };
}
