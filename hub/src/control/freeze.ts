import { canonicalBytes, freezeSchema, parseJsonDocument, storeLayout, type Freeze, type ObjectStore, type RequestOptions } from '@driftless/core';

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
  return { created: false, freeze: (await readFreeze(store, opts)) ?? record };
}

/** Lifts the freeze: resolves with the freeze it removed, or undefined when the fleet was not frozen. */
export async function unfreeze(store: ObjectStore, opts: RequestOptions = {}): Promise<Freeze | undefined> {
  const existing = await readFreeze(store, opts);
  if (existing === undefined) return undefined;
  await store.delete(storeLayout.freeze, opts);
  return existing;
}
