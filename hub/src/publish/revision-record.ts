import {
  API_VERSION,
  canonicalBytes,
  parseJsonDocument,
  revisionRecordSchema,
  storeLayout,
  type Clock,
  type Digest,
  type ObjectStore,
  type RevisionRecord,
} from '@driftless/core';

/** What one publish of a revision produced, for its record. */
export interface PublishedRevision {
  readonly revision: string;
  /** Every cluster's digest as published. */
  readonly published: ReadonlyMap<string, Digest>;
  /** Set when `--allow-rollback` let this revision through: the revision published before it. */
  readonly rolledBackFrom?: string;
  /** With delivery: every cluster's ring name. */
  readonly rings?: ReadonlyMap<string, string>;
}

/**
 * Writes `revisions/<revision>.json`: every cluster's digest as published.
 * Writes nothing when an identical record (apart from its timestamp) is there,
 * so compiling the same commit again changes nothing; a rollback to a
 * revision already recorded rewrites its record, so the rollback shows, and
 * a rollback once recorded is kept.
 */
export async function writeRevisionRecord(store: ObjectStore, what: PublishedRevision, clock: Clock): Promise<void> {
  const key = storeLayout.revision(what.revision);
  const clusters = Object.fromEntries([...what.published].sort(([a], [b]) => (a < b ? -1 : 1)));
  const existing = await store.get(key);
  const old = existing.kind === 'found' ? parseJsonDocument(revisionRecordSchema, existing.body, `revision record ${key}`) : undefined;
  // A rollback once recorded stays recorded when the same revision is compiled again.
  const rolledBackFrom = what.rolledBackFrom ?? old?.rolledBackFrom;
  const rollback = rolledBackFrom ? { rolledBackFrom } : {};
  const rings = what.rings ? { rings: Object.fromEntries([...what.rings].sort(([a], [b]) => (a < b ? -1 : 1))) } : {};
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonicalBytes(a ?? null)) === JSON.stringify(canonicalBytes(b ?? null));
  if (old && same(old.clusters, clusters) && same(old.rings, rings.rings) && old.rolledBackFrom === rolledBackFrom) return;
  const record: RevisionRecord = { apiVersion: API_VERSION, kind: 'Revision', revision: what.revision, publishedAt: new Date(clock.now()).toISOString(), clusters, ...rollback, ...rings };
  await store.put(key, canonicalBytes(record), { contentType: 'application/json' });
}
