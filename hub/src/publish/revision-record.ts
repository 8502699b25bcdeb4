import {
  API_VERSION,
  canonicalBytes,
  flagRecords,
  parseJsonDocument,
  revisionRecordSchema,
  storeLayout,
  type Clock,
  type Digest,
  type FlagDefinition,
  type ObjectStore,
  type RevisionRecord,
} from '@driftless/core';

/**
 * What the compile resolved of `flags/*.yaml`, for the revision record's
 * `flags` (see flagRecords in core).
 */
export interface PublishedFlags {
  readonly definitions: readonly FlagDefinition[];
  /** Every cluster -> flag key -> the variant Git resolved for it (before overrides). */
  readonly variants: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Flag key -> the last commit that changed `flags/<key>.yaml`. */
  readonly commits: ReadonlyMap<string, string>;
}

/** What one publish of a revision produced, for its record. */
export interface PublishedRevision {
  readonly revision: string;
  /** Every cluster's digest as published. */
  readonly published: ReadonlyMap<string, Digest>;
  /** Set when `--allow-rollback` let this revision through: the revision published before it. */
  readonly rolledBackFrom?: string;
  /** With delivery: every cluster's ring name. */
  readonly rings?: ReadonlyMap<string, string>;
  /** Every cluster's labels (what `driftless flag set --selector` matches). */
  readonly labels?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** With `flags/*.yaml`: what the compile resolved of them. */
  readonly flags?: PublishedFlags;
  /** The revision the store's marker named before this publish: its record's flags carry over (firstSeen, uniformSince). */
  readonly lastPublished?: string;
}

/**
 * Writes `revisions/<revision>.json`: every cluster's digest as published,
 * and with them its ring, its labels and each flag (see flagRecords; the
 * record of `lastPublished`, else this revision's own, is what carries over).
 * Writes nothing when an identical record (apart from its timestamp) is there,
 * so compiling the same commit again changes nothing; a rollback to a
 * revision already recorded rewrites its record, so the rollback shows, and
 * a rollback once recorded is kept.
 */
export async function writeRevisionRecord(store: ObjectStore, what: PublishedRevision, clock: Clock): Promise<void> {
  const key = storeLayout.revision(what.revision);
  const old = await readRecord(store, what.revision);
  // A rollback once recorded stays recorded when the same revision is compiled again.
  const rolledBackFrom = what.rolledBackFrom ?? old?.rolledBackFrom;
  const publishedAt = new Date(clock.now()).toISOString();
  const fields = {
    clusters: sortedRecord(what.published),
    ...(rolledBackFrom ? { rolledBackFrom } : {}),
    ...(what.rings ? { rings: sortedRecord(what.rings) } : {}),
    ...(what.labels ? { labels: sortedRecord(what.labels) } : {}),
    ...(what.flags ? { flags: await recordFlags(store, what, what.flags, old, publishedAt) } : {}),
  };
  const same = (a: unknown, b: unknown): boolean => Buffer.from(canonicalBytes(a ?? null)).equals(Buffer.from(canonicalBytes(b ?? null)));
  if (old && same({ ...old, apiVersion: undefined, kind: undefined, revision: undefined, publishedAt: undefined }, fields)) return;
  const record: RevisionRecord = { apiVersion: API_VERSION, kind: 'Revision', revision: what.revision, publishedAt, ...fields };
  await store.put(key, canonicalBytes(record), { contentType: 'application/json' });
}

/** The flags of this record, carried over from the last published record's (or this revision's own when it was the last). */
async function recordFlags(store: ObjectStore, what: PublishedRevision, flags: PublishedFlags, old: RevisionRecord | undefined, publishedAt: string): Promise<RevisionRecord['flags']> {
  const last = what.lastPublished === undefined || what.lastPublished === what.revision ? old : ((await readRecord(store, what.lastPublished)) ?? old);
  return flagRecords({ ...flags, ...(what.rings ? { rings: what.rings } : {}), ...(last?.flags ? { previous: last.flags } : {}), publishedAt });
}

/** The largest revision record read, bytes: a record lists every cluster (digest, ring, labels), about 300 bytes each. */
export const MAX_REVISION_RECORD_BYTES = 16 * 1024 * 1024;

async function readRecord(store: ObjectStore, revision: string): Promise<RevisionRecord | undefined> {
  const key = storeLayout.revision(revision);
  const got = await store.get(key, { maxBytes: MAX_REVISION_RECORD_BYTES });
  return got.kind === 'found' ? parseJsonDocument(revisionRecordSchema, got.body, `revision record ${key}`) : undefined;
}

function sortedRecord<V>(m: ReadonlyMap<string, V>): Record<string, V> {
  return Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
}
