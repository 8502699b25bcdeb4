import { canonicalBytes, DriftlessError, freezeSchema, parseJsonDocument, storeLayout, type Freeze, type ObjectStore, type RequestOptions } from '@driftless/core';

/** How often freeze retries when the freeze it found is lifted before it could read it. */
const MAX_FREEZE_ATTEMPTS = 5;

/** The fleet-wide freeze (`control/freeze.json`), or undefined when the fleet is not frozen. */
export async function readFreeze(store: ObjectStore, opts: RequestOptions = {}): Promise<Freeze | undefined> {
  const got = await store.get(storeLayout.freeze, opts);
  if (got.kind !== 'found') return undefined;
  return parseJsonDocument(freezeSchema, got.body, storeLayout.freeze);
}

/** What {@link freeze} did: `created` false when the fleet was frozen already (`freeze` is that freeze, unchanged). */
export interface FreezeResult {
  readonly created: boolean;
  readonly freeze: Freeze;
}

/**
 * Freezes the fleet with `record` (put-if-absent on `control/freeze.json`).
 * Already frozen is not an error: resolves with the existing freeze and
 * `created: false`, leaving it as it was (who froze it first, and why, stays).
 * Throws a transient `FreezeConflict` when the freeze it found was lifted
 * before it could read it {@link MAX_FREEZE_ATTEMPTS} times in a row: the
 * fleet is then not frozen, by anyone.
 */
export async function freeze(store: ObjectStore, record: Freeze, opts: RequestOptions = {}): Promise<FreezeResult> {
  const body = canonicalBytes(freezeSchema.parse(record));
  for (let attempt = 0; attempt < MAX_FREEZE_ATTEMPTS; attempt++) {
    const put = await store.putIfAbsent(storeLayout.freeze, body, { ...opts, contentType: 'application/json' });
    if (put.kind === 'created') return { created: true, freeze: record };
    const existing = await readFreeze(store, opts);
    if (existing) return { created: false, freeze: existing };
    // Unfrozen between the two requests: try to freeze again.
  }
  throw new DriftlessError(
    'FreezeConflict',
    `${storeLayout.freeze} write failed: another freeze was written and lifted ${MAX_FREEZE_ATTEMPTS} times while freezing; the fleet is not frozen: run freeze again`,
    { key: storeLayout.freeze },
  );
}

/**
 * Lifts the freeze it reads, and only that one: resolves with the freeze it
 * removed, or undefined when the fleet was not frozen. The store port has no
 * conditional delete, so it re-reads the ETag just before deleting and throws
 * a transient `FreezeConflict` (deleting nothing) when the freeze was replaced
 * since it read it. A freeze written in the milliseconds between that re-read
 * and the DELETE would still be removed: a small window, not a guarantee.
 */
export async function unfreeze(store: ObjectStore, opts: RequestOptions = {}): Promise<Freeze | undefined> {
  const got = await store.get(storeLayout.freeze, opts);
  if (got.kind !== 'found') return undefined;
  const existing = parseJsonDocument(freezeSchema, got.body, storeLayout.freeze);
  const now = await store.head(storeLayout.freeze, opts);
  if (now === undefined) return undefined;
  if (now.etag !== got.etag) {
    const by = (await readFreeze(store, opts))?.actor ?? 'someone else';
    throw new DriftlessError(
      'FreezeConflict',
      `${storeLayout.freeze} delete failed: the freeze by ${existing.actor} was replaced by one by ${by} while unfreezing; nothing deleted: run unfreeze again to lift it`,
      { key: storeLayout.freeze },
    );
  }
  await store.delete(storeLayout.freeze, opts);
  return existing;
}
