import { canonicalBytes, isDriftlessError, parseJsonDocument, PREVIEW_MAX_BYTES, type ObjectStore } from '@driftless/core';
import { z } from 'zod';
import type { HubLog } from '../hub-log.js';

/**
 * Hub bookkeeping: the hosts whose pointer names a previews bundle, as far as
 * the cycle knows. A host leaves it only when its pointer was cleared (moved
 * or kept with no previews bundle), so a host taken out of
 * spec.previews.clusters while the fleet is frozen, or after every preview
 * went, is still cleared once it can be.
 */
export const PREVIEWS_HOSTS_KEY = 'hub/previews-hosts.json';

const hostsSchema = z.strictObject({ hosts: z.array(z.string()) });

/** The recorded hosts; empty when none were recorded (or the record is unreadable: logged). Store failures throw. */
export async function readPreviewHosts(store: ObjectStore, log: HubLog): Promise<Set<string>> {
  const got = await store.get(PREVIEWS_HOSTS_KEY, { maxBytes: PREVIEW_MAX_BYTES });
  if (got.kind !== 'found') return new Set();
  try {
    return new Set(parseJsonDocument(hostsSchema, got.body, PREVIEWS_HOSTS_KEY).hosts);
  } catch (err) {
    if (isDriftlessError(err, 'StoreUnavailable') || isDriftlessError(err, 'StoreRefused')) throw err;
    log({ level: 'warn', msg: `${PREVIEWS_HOSTS_KEY} read failed: ${(err as Error).message}`, key: PREVIEWS_HOSTS_KEY });
    return new Set();
  }
}

/** The record after a host phase: `before` less the hosts `cleared`, plus those now `withBundle`. */
export function previewHostsAfter(before: ReadonlySet<string>, outcome: { readonly withBundle: readonly string[]; readonly cleared: readonly string[] }): Set<string> {
  const after = new Set([...before].filter((h) => !outcome.cleared.includes(h)));
  for (const h of outcome.withBundle) after.add(h);
  return after;
}

/** Writes the record when it changed (sorted); deletes it when empty. */
export async function writePreviewHosts(store: ObjectStore, before: ReadonlySet<string>, after: ReadonlySet<string>): Promise<void> {
  if (before.size === after.size && [...after].every((h) => before.has(h))) return;
  if (after.size === 0) return store.delete(PREVIEWS_HOSTS_KEY);
  await store.put(PREVIEWS_HOSTS_KEY, canonicalBytes({ hosts: [...after].sort() }), { contentType: 'application/json' });
}
