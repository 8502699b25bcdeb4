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

/**
 * Writes `revisions/<revision>.json`: every cluster's digest as published.
 * Writes nothing when an identical record (apart from its timestamp) is there,
 * so compiling the same commit again changes nothing.
 */
export async function writeRevisionRecord(store: ObjectStore, revision: string, published: ReadonlyMap<string, Digest>, clock: Clock): Promise<void> {
  const key = storeLayout.revision(revision);
  const clusters = Object.fromEntries([...published].sort(([a], [b]) => (a < b ? -1 : 1)));
  const existing = await store.get(key);
  if (existing.kind === 'found') {
    const old: RevisionRecord = parseJsonDocument(revisionRecordSchema, existing.body, `revision record ${key}`);
    if (JSON.stringify(canonicalBytes(old.clusters)) === JSON.stringify(canonicalBytes(clusters))) return;
  }
  const record: RevisionRecord = { apiVersion: API_VERSION, kind: 'Revision', revision, publishedAt: new Date(clock.now()).toISOString(), clusters };
  await store.put(key, canonicalBytes(record), { contentType: 'application/json' });
}
