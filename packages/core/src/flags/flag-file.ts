import { z } from 'zod';
import { dnsLabel } from '../fleet/labels.js';
import { labelSelectorSchema } from '../fleet/selector.js';
import { singleYamlDocument, validateYamlDocument } from '../fleet/spec.js';
import { compileError, type YamlDocument, type YamlLimits } from '../fleet/yaml-documents.js';
import { FLAG_TYPES, TEMPORARY_FLAG_TYPES, type FlagDefinition, type FlagSelector, type FlagValue } from './flag-definition.js';
import type { TargetingValidator } from './targeting.js';

/** A flag key (the file name without `.yaml`): letters, digits, `-`, `_`, `.`, starting and ending alphanumeric, at most 128. */
export const FLAG_KEY_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$/;

/** YAML 1.1 (how the fleet's YAML is read) takes a bare on/off/yes/no for a boolean: say so where a name was expected. */
const variantName = z.string({ error: 'must be a variant name (quote on/off/yes/no: YAML 1.1 reads them as booleans)' }).min(1);

const flagValueSchema: z.ZodType<FlagValue> = z.lazy(() =>
  z.union([z.boolean(), z.string(), z.number(), z.null(), z.array(flagValueSchema), z.record(z.string(), flagValueSchema)]),
);

/** `YYYY-MM-DD`, a real calendar day. */
const expiryField = z.string({ error: 'must be a date YYYY-MM-DD (quoted or not)' }).refine(isCalendarDay, { error: 'must be a date YYYY-MM-DD' });

/** A rollout entry's selector: `{ring: NAME}` or a label selector (matchLabels / matchExpressions). */
const flagSelectorSchema = z.union([z.strictObject({ ring: dnsLabel }), labelSelectorSchema], {
  error: 'must be {ring: NAME} or a label selector (matchLabels / matchExpressions)',
});

/** `flags/<key>.yaml` as written (checks that need more than one field come after). */
const flagFileSchema = z.strictObject({
  type: z.enum(FLAG_TYPES),
  owner: z.string({ error: 'every flag needs an owner (a team or person to ask about it)' }).min(1, 'every flag needs an owner'),
  expires: expiryField.optional(),
  variants: z.record(variantName, flagValueSchema).refine((v) => Object.keys(v).length > 0, { error: 'a flag needs at least one variant' }),
  defaultVariant: variantName,
  rollout: z.array(z.strictObject({ selector: flagSelectorSchema, variant: variantName })).default([]),
  targeting: z.record(z.string(), z.unknown(), { error: 'must be a flagd JsonLogic object' }).optional(),
  namespaces: z.array(dnsLabel).min(1, 'a flag needs at least one namespace to be delivered to'),
});

/** What a flag file is checked against besides itself. */
export interface FlagFileContext {
  /** The ring names of `spec.delivery`; undefined when the fleet has none (then a `{ring}` selector is an error). */
  readonly rings?: readonly string[];
  readonly limits?: YamlLimits;
  /** Checks targeting against the evaluator apps run (the hub passes flagd's); without one, targeting need only be a JSON object. */
  readonly validateTargeting?: TargetingValidator;
}

/**
 * Parses and validates `flags/<key>.yaml` (`file`, for messages) into a
 * FlagDefinition. Every error is an `InvalidDocument` naming `file:line`:
 * a missing owner, a bad or missing expiry (or one on a permanent type), an
 * unknown variant, a ring selector naming no ring, a namespace that is not a
 * DNS label, targeting ctx.validateTargeting refuses, a key that is not a flag key.
 */
export function parseFlagFile(text: string, file: string, ctx: FlagFileContext = {}): FlagDefinition {
  const key = (file.split('/').pop() ?? file).replace(/\.yaml$/, '');
  if (!FLAG_KEY_PATTERN.test(key)) {
    throw compileError(file, undefined, `flag key ${JSON.stringify(key)} (the file name) must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit, at most 128`);
  }
  const doc = singleYamlDocument(text, file, ctx.limits);
  if (doc.value !== null && typeof doc.value === 'object' && !Array.isArray(doc.value) && !('owner' in doc.value)) {
    throw compileError(file, doc.line, 'owner: every flag needs an owner (a team or person to ask about it)');
  }
  const spec = validateYamlDocument(flagFileSchema, doc, file);
  const at = (path: readonly PropertyKey[], message: string): never => {
    throw compileError(file, doc.lineAt(path), message);
  };
  checkExpiry(spec.type, spec.expires, doc, file);
  const names = Object.keys(spec.variants);
  const known = (variant: string, path: readonly PropertyKey[]): void => {
    if (!names.includes(variant)) at(path, `${path.map(String).join('.')}: variant ${variant} is not one of the flag's variants (${names.join(', ')})`);
  };
  known(spec.defaultVariant, ['defaultVariant']);
  spec.rollout.forEach((entry, i) => {
    known(entry.variant, ['rollout', i, 'variant']);
    const ring = ringOf(entry.selector);
    if (ring === undefined) return;
    if (ctx.rings === undefined) at(['rollout', i, 'selector', 'ring'], `rollout.${i}.selector: ring ${ring} is named but fleet.yaml has no spec.delivery (no rings); select by labels instead`);
    else if (!ctx.rings.includes(ring)) at(['rollout', i, 'selector', 'ring'], `rollout.${i}.selector: no ring ${ring} in spec.delivery (rings: ${ctx.rings.join(', ')})`);
  });
  if (spec.targeting !== undefined && ctx.validateTargeting !== undefined) {
    const problem = ctx.validateTargeting(key, spec.variants, spec.defaultVariant, spec.targeting);
    if (problem !== undefined) at(['targeting'], `targeting: ${problem}`);
  }
  return {
    key,
    file,
    type: spec.type,
    owner: spec.owner,
    ...(spec.expires === undefined ? {} : { expires: spec.expires, expiresLine: doc.keyLineAt(['expires']) }),
    variants: spec.variants,
    defaultVariant: spec.defaultVariant,
    rollout: spec.rollout,
    ...(spec.targeting === undefined ? {} : { targeting: spec.targeting }),
    namespaces: [...new Set(spec.namespaces)].sort(),
  };
}

/** The ring a selector names, or undefined for a label selector. */
export function ringOf(selector: FlagSelector): string | undefined {
  return 'ring' in selector && typeof selector.ring === 'string' ? selector.ring : undefined;
}

/** Temporary types need `expires`; permanent ones must not have it (they would never be cleaned up by it). */
function checkExpiry(type: FlagDefinition['type'], expires: string | undefined, doc: YamlDocument, file: string): void {
  if (TEMPORARY_FLAG_TYPES.has(type) && expires === undefined) {
    throw compileError(file, doc.keyLineAt(['type']), `expires: a ${type} flag is temporary and needs an expiry date (expires: YYYY-MM-DD)`);
  }
  if (!TEMPORARY_FLAG_TYPES.has(type) && expires !== undefined) {
    throw compileError(file, doc.keyLineAt(['expires']), `expires: a ${type} flag is permanent and takes no expiry (remove expires, or use a temporary type)`);
  }
}

function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}
