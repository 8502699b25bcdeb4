import {
  API_VERSION,
  canonicalBytes,
  canonicalJson,
  DriftlessError,
  flagOverridesSchema,
  labelsMatch,
  parseJsonDocument,
  parseLabelSelector,
  storeLayout,
  type FlagOverride,
  type FlagOverrides,
  type ObjectStore,
} from '@driftless/core';
import type { Versioned } from '../rollout/rollout-store.js';

/** Compare-and-swap attempts on `flags/overrides.json` before FlagOverridesConflict. */
const CAS_ATTEMPTS = 8;
const JSON_TYPE = { contentType: 'application/json' } as const;

/** `flags/overrides.json` as read with its ETag; undefined when no override was ever set. */
export async function readFlagOverrides(store: ObjectStore): Promise<Versioned<FlagOverrides> | undefined> {
  const key = storeLayout.flagOverrides;
  const got = await store.get(key);
  if (got.kind !== 'found') return undefined;
  return { doc: parseJsonDocument(flagOverridesSchema, got.body, `flag overrides ${key}`), etag: got.etag };
}

/** The empty overrides document. */
export function noFlagOverrides(): FlagOverrides {
  return { apiVersion: API_VERSION, kind: 'FlagOverrides', overrides: {} };
}

/**
 * Rewrites `flags/overrides.json` compare-and-swap: `change` gets the
 * document as read (empty when absent) and returns the new one, or undefined
 * to write nothing; a lost race re-reads and asks `change` again. Resolves
 * with the document before and after, and the ETag of `after` (undefined
 * when nothing was written: `change` returned undefined). Throws the transient
 * `FlagOverridesConflict` after {@link CAS_ATTEMPTS} lost races.
 */
export async function updateFlagOverrides(
  store: ObjectStore,
  change: (doc: FlagOverrides) => FlagOverrides | undefined,
): Promise<{ readonly before: FlagOverrides; readonly after: FlagOverrides; readonly etag?: string }> {
  const key = storeLayout.flagOverrides;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const read = await readFlagOverrides(store);
    const before = read?.doc ?? noFlagOverrides();
    const after = change(before);
    if (after === undefined) return { before, after: before };
    const body = canonicalBytes(flagOverridesSchema.parse(after));
    const res = read ? await store.put(key, body, { ...JSON_TYPE, ifMatch: read.etag }) : await store.putIfAbsent(key, body, JSON_TYPE);
    if (res.kind === 'written' || res.kind === 'created') return { before, after, etag: res.etag };
  }
  throw new DriftlessError('FlagOverridesConflict', `${key} write failed: it changed under this writer ${CAS_ATTEMPTS} times (another flag set or clear is running); try again`, { key });
}

/**
 * Parses `--selector` (kubectl label-selector syntax); throws
 * FlagOverrideRefused naming the selector and what is wrong.
 */
export function parseOverrideSelector(flag: string, selector: string): ReturnType<typeof parseLabelSelector> {
  try {
    return parseLabelSelector(selector);
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new DriftlessError('FlagOverrideRefused', `--selector '${selector}' parse failed: ${cause}`, { flag, reason: cause });
  }
}

/**
 * The overrides that apply to a cluster with `labels`, by flag key: those
 * without a selector, and those whose selector its labels satisfy. Without
 * labels (a revision record that has none) every override applies.
 */
export function overridesForCluster(doc: FlagOverrides, labels: Readonly<Record<string, string>> | undefined): Map<string, FlagOverride> {
  const out = new Map<string, FlagOverride>();
  for (const [key, o] of Object.entries(doc.overrides)) {
    if (o.selector === undefined || labels === undefined || labelsMatch(parseOverrideSelector(key, o.selector), labels)) out.set(key, o);
  }
  return out;
}

/**
 * The canonical key of a cluster's overrides (canonical JSON by flag key):
 * equal exactly when rewriting a bundle under them gives the same bundle.
 * The key of no overrides is `{}`.
 */
export function overridesKey(overrides: ReadonlyMap<string, FlagOverride>): string {
  return canonicalJson(Object.fromEntries([...overrides].sort(([a], [b]) => (a < b ? -1 : 1))));
}
