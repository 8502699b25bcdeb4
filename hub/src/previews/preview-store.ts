import { canonicalBytes, isDriftlessError, listAll, parseJsonDocument, PREVIEW_MAX_BYTES, previewSchema, storeLayout, type ObjectStore, type Preview } from '@driftless/core';
import { z } from 'zod';
import type { HubLog } from '../hub-log.js';

const JSON_TYPE = { contentType: 'application/json' } as const;

/**
 * Every preview document under `previews/`, by slug. A document that cannot
 * be read as a preview (invalid JSON, schema, or over PREVIEW_MAX_BYTES) is
 * logged and left out, as if absent: one bad document never stops the cycle
 * (the cycle writes a valid one in its place when its branch still needs a
 * preview). Store failures throw as the store throws them.
 */
export async function readPreviews(store: ObjectStore, log: HubLog): Promise<Map<string, Preview>> {
  const out = new Map<string, Preview>();
  for await (const key of listAll(store, storeLayout.previewsPrefix)) {
    if (!key.endsWith('.json')) continue;
    try {
      const got = await store.get(key, { maxBytes: PREVIEW_MAX_BYTES });
      if (got.kind !== 'found') continue;
      const doc = parseJsonDocument(previewSchema, got.body, key);
      if (storeLayout.preview(doc.slug) !== key) throw new Error(`its slug ${doc.slug} does not match its key`);
      out.set(doc.slug, doc);
    } catch (err) {
      if (!isUnreadable(err)) throw err;
      log({ level: 'warn', msg: `preview ${key} read failed: ${(err as Error).message}`, key });
    }
  }
  return out;
}

/** Writes `doc` at `previews/<slug>.json` as canonical JSON (one writer: the hub holding the lease). */
export async function writePreview(store: ObjectStore, doc: Preview): Promise<void> {
  await store.put(storeLayout.preview(doc.slug), canonicalBytes(doc), JSON_TYPE);
}

/** Deletes the preview document of `slug` (a missing one is fine). */
export async function deletePreview(store: ObjectStore, slug: string): Promise<void> {
  await store.delete(storeLayout.preview(slug));
}

/** A document problem (bad JSON, schema, size, key), as opposed to a store that failed: those propagate. */
function isUnreadable(err: unknown): boolean {
  return !(isDriftlessError(err, 'StoreUnavailable') || isDriftlessError(err, 'StoreRefused'));
}

/**
 * Hub bookkeeping: the branches whose preview the ttl removed, with the
 * commit it was removed at. Without it the next cycle would build the same
 * commit again (its document is gone); a new commit brings it back.
 */
export const PREVIEWS_EXPIRED_KEY = 'hub/previews-expired.json';

const expiredSchema = z.strictObject({ expired: z.record(z.string(), z.string()) });

/** Branch -> commit of the ttl-removed previews; empty when none were recorded (or the record is unreadable: logged). */
export async function readExpired(store: ObjectStore, log: HubLog): Promise<Map<string, string>> {
  const got = await store.get(PREVIEWS_EXPIRED_KEY, { maxBytes: PREVIEW_MAX_BYTES });
  if (got.kind !== 'found') return new Map();
  try {
    return new Map(Object.entries(parseJsonDocument(expiredSchema, got.body, PREVIEWS_EXPIRED_KEY).expired));
  } catch (err) {
    log({ level: 'warn', msg: `${PREVIEWS_EXPIRED_KEY} read failed: ${(err as Error).message}`, key: PREVIEWS_EXPIRED_KEY });
    return new Map();
  }
}

/** Writes the ttl-removed branches; deletes the record when there are none. */
export async function writeExpired(store: ObjectStore, expired: ReadonlyMap<string, string>): Promise<void> {
  if (expired.size === 0) return store.delete(PREVIEWS_EXPIRED_KEY);
  await store.put(PREVIEWS_EXPIRED_KEY, canonicalBytes({ expired: Object.fromEntries(expired) }), JSON_TYPE);
}
