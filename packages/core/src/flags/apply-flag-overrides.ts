import { canonicalJson } from '../canonical-json.js';
import type { KubeObject } from '../documents/kube-object.js';
import { FLAGS_CONFIGMAP_KEY, FLAGS_CONFIGMAP_NAME, type FlagOverride } from './flag-definition.js';

/*
 * Kill switches in the bundle (issue 14): an override rewrites the flag in
 * the `driftless-flags` ConfigMap so that every flagd evaluation returns the
 * override's variant, whatever the flag's targeting says, and keeps what Git
 * said beside it (metadata.gitVariant, the `if`'s third element) so that
 * clearing it needs nothing but the bundle itself.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type FlagEntry = { [key: string]: Json };

/** The metadata field an overridden flag carries: `<actor>: <reason>`. */
export const FLAG_OVERRIDE_METADATA = 'override';

/** Whether `obj` is a `driftless-flags` ConfigMap carrying a flagd document. */
export function isFlagsConfigMap(obj: KubeObject): boolean {
  const data = (obj as { data?: unknown }).data;
  return (
    obj.apiVersion === 'v1' &&
    obj.kind === 'ConfigMap' &&
    obj.metadata.name === FLAGS_CONFIGMAP_NAME &&
    typeof data === 'object' &&
    data !== null &&
    typeof (data as Record<string, unknown>)[FLAGS_CONFIGMAP_KEY] === 'string'
  );
}

/**
 * `objects` with every `driftless-flags` ConfigMap's flags set to
 * `overrides` (flag key -> the override for this cluster): an overridden flag
 * whose variant exists gets that `defaultVariant`, its targeting wrapped as
 * `{"if": [true, "<variant>", <original or null>]}` and `metadata.override`
 * = `<actor>: <reason>`; a flag carrying an override that `overrides` no
 * longer has is restored from the bundle alone (defaultVariant =
 * metadata.gitVariant, targeting = the `if`'s third element). An override
 * naming a variant the flag lacks leaves it as Git has it. Pure and
 * idempotent; a changed document is written as canonical JSON; every object
 * that does not change is returned as is (same reference), so an empty map
 * on a bundle without overrides gives back the same objects.
 */
export function applyFlagOverrides(objects: readonly KubeObject[], overrides: ReadonlyMap<string, FlagOverride>): KubeObject[] {
  return objects.map((obj) => (isFlagsConfigMap(obj) ? rewriteConfigMap(obj, overrides) : obj));
}

function rewriteConfigMap(obj: KubeObject, overrides: ReadonlyMap<string, FlagOverride>): KubeObject {
  const data = (obj as unknown as { data: Record<string, string> }).data;
  let doc: unknown;
  try {
    doc = JSON.parse(data[FLAGS_CONFIGMAP_KEY] ?? '');
  } catch {
    // Not a flagd document the compile wrote: not ours to rewrite.
    return obj;
  }
  const flags = (doc as { flags?: unknown } | null)?.flags;
  if (!isObject(flags)) return obj;
  let changed = false;
  const next: Record<string, Json> = {};
  for (const [key, flag] of Object.entries(flags)) {
    const rewritten = isObject(flag) ? rewriteFlag(flag, overrides.get(key)) : flag;
    if (rewritten !== flag) changed = true;
    next[key] = rewritten;
  }
  if (!changed) return obj;
  const text = canonicalJson({ ...(doc as Record<string, Json>), flags: next });
  return { ...obj, data: { ...data, [FLAGS_CONFIGMAP_KEY]: text } };
}

/** The flag with `override` applied (undefined: restored to Git's), or the same object when nothing changes. */
function rewriteFlag(flag: FlagEntry, override: FlagOverride | undefined): FlagEntry {
  const variants = flag['variants'];
  const applies = override !== undefined && isObject(variants) && Object.hasOwn(variants, override.variant);
  const base = restored(flag);
  if (!applies) return base;
  const metadata = isObject(base['metadata']) ? base['metadata'] : {};
  const wrapped: FlagEntry = {
    ...base,
    defaultVariant: override.variant,
    targeting: { if: [true, override.variant, base['targeting'] ?? null] },
    metadata: { ...metadata, [FLAG_OVERRIDE_METADATA]: `${override.actor}: ${override.reason}` },
  };
  return canonicalJson(wrapped) === canonicalJson(flag) ? flag : wrapped;
}

/** The flag as Git had it: the same object when it carries no override. */
function restored(flag: FlagEntry): FlagEntry {
  const metadata = flag['metadata'];
  if (!isObject(metadata) || !Object.hasOwn(metadata, FLAG_OVERRIDE_METADATA)) return flag;
  const { [FLAG_OVERRIDE_METADATA]: _gone, ...gitMetadata } = metadata;
  const { targeting, ...rest } = flag;
  const original = isObject(targeting) && Array.isArray(targeting['if']) ? (targeting['if'][2] ?? null) : null;
  const gitVariant = typeof metadata['gitVariant'] === 'string' ? metadata['gitVariant'] : flag['defaultVariant'];
  return { ...rest, defaultVariant: gitVariant ?? null, ...(original === null ? {} : { targeting: original }), metadata: gitMetadata };
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
