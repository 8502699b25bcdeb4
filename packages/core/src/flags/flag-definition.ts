import { z } from 'zod';
import { apiVersionField, kindField, timestampField } from '../documents/common.js';
import { labelSelectorSchema, type LabelSelector } from '../fleet/selector.js';

/*
 * Feature flags (DESIGN.md, Flags; issue 14): `flags/<key>.yaml` in the fleet
 * repository, resolved per cluster into the OpenFeature flagd flag-definition
 * format, shipped in every cluster's bundle as the ConfigMap `driftless-flags`
 * (key `flags.flagd.json`) in each namespace a flag lists. Overrides set
 * outside Git (kill switches) live in `flags/overrides.json` in the store.
 */

/** The ConfigMap each cluster's bundle carries in every namespace some flag lists, and its data key. */
export const FLAGS_CONFIGMAP_NAME = 'driftless-flags';
export const FLAGS_CONFIGMAP_KEY = 'flags.flagd.json';

/** Flag types: the first three are temporary (they need `expires`), the last two permanent. */
export const FLAG_TYPES = ['release', 'experiment', 'operational', 'kill-switch', 'permission'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];
export const TEMPORARY_FLAG_TYPES: ReadonlySet<FlagType> = new Set(['release', 'experiment', 'operational']);

/** How many days before its expiry a temporary flag is `expiring` (compile warns; `driftless flags` health). */
export const FLAG_EXPIRY_WARNING_DAYS = 14;
/** How long one variant everywhere makes a flag `ready-to-remove`, days. */
export const FLAG_STALE_DAYS = 14;

/** A variant's value as flagd carries it: any JSON value (boolean, string, number, object). */
export type FlagValue = boolean | string | number | null | readonly FlagValue[] | { readonly [key: string]: FlagValue };

/** Which clusters a rollout entry is for: a ring by name, or labels (Kubernetes label-selector semantics). */
export type FlagSelector = { readonly ring: string } | LabelSelector;

/** One flag as the compile resolved `flags/<key>.yaml` (validated; the key is the file name without `.yaml`). */
export interface FlagDefinition {
  readonly key: string;
  /** `flags/<key>.yaml`, for messages. */
  readonly file: string;
  readonly type: FlagType;
  readonly owner: string;
  /** `YYYY-MM-DD`, the last day the flag is valid (UTC); absent for permanent types. */
  readonly expires?: string;
  /** The line of `expires:` in the file, for an expiry error (absent without expires). */
  readonly expiresLine?: number;
  readonly variants: Readonly<Record<string, FlagValue>>;
  /** The variant of a cluster no rollout entry selects. */
  readonly defaultVariant: string;
  /** Ordered: a cluster gets the variant of the first entry whose selector matches it. */
  readonly rollout: readonly { readonly selector: FlagSelector; readonly variant: string }[];
  /** flagd JsonLogic, passed through to the app unchanged. */
  readonly targeting?: Readonly<Record<string, unknown>>;
  /** Namespaces whose `driftless-flags` ConfigMap carries this flag. */
  readonly namespaces: readonly string[];
}

/**
 * One override set outside Git (`driftless flag set`): the variant that wins
 * over Git's for the clusters its selector matches (all when absent), who
 * set it, when and why.
 */
export const flagOverrideSchema = z.strictObject({
  variant: z.string().min(1),
  /**
   * A label selector in `kubectl -l` syntax (`region=eu,tier!=gold`), as given
   * to `--selector`, matched against each cluster's labels; absent: every
   * cluster. Ring names are not labels: a ring is selected only through a
   * label its ring selector matches (e.g. `ring=canary` when clusters carry it).
   */
  selector: z.string().min(1).optional(),
  actor: z.string().min(1),
  at: timestampField,
  reason: z.string().min(1),
});
export type FlagOverride = z.infer<typeof flagOverrideSchema>;

/** `flags/overrides.json`: every active override by flag key; written compare-and-swap on its ETag. */
export const flagOverridesSchema = z.strictObject({
  apiVersion: apiVersionField,
  kind: kindField('FlagOverrides'),
  overrides: z.record(z.string(), flagOverrideSchema),
});
export type FlagOverrides = z.infer<typeof flagOverridesSchema>;

/** A rollout entry as the revision record keeps it (see FlagDefinition.rollout). */
const flagRolloutEntrySchema = z.strictObject({
  selector: z.union([z.strictObject({ ring: z.string().min(1) }), labelSelectorSchema]),
  variant: z.string().min(1),
});

/**
 * What a revision record keeps of each flag (`driftless flags` reads it):
 * its type, owner, expiry, file and the commit that last changed it, when the
 * hub first saw it, the variants its clusters got per ring (`*` without
 * delivery), since when one variant is everywhere (carried over from
 * the previous record while it stays so), and the rule inputs (defaultVariant,
 * rollout) that re-resolve any cluster's variant from its labels and ring,
 * and whether it has targeting (which can give some users another variant).
 */
export const flagRecordSchema = z.strictObject({
  type: z.enum(FLAG_TYPES),
  owner: z.string().min(1),
  expires: z.string().optional(),
  file: z.string().min(1),
  commit: z.string().min(1),
  firstSeen: timestampField,
  /** Ring name (or `*`) -> the variants its clusters got from Git, sorted. */
  variantsByRing: z.record(z.string(), z.array(z.string())),
  /** The one variant every cluster got from Git, when there is one. */
  uniform: z.string().optional(),
  /** Since when `uniform` has held (the publishedAt of the first record where it did). */
  uniformSince: timestampField.optional(),
  /** The flag's defaultVariant (absent in records written before it was kept). */
  defaultVariant: z.string().min(1).optional(),
  /** Every variant the flag file defines, sorted (absent in records written before they were kept): what an override may set. */
  variants: z.array(z.string().min(1)).optional(),
  /** The flag's ordered rollout entries (absent in records written before they were kept). */
  rollout: z.array(flagRolloutEntrySchema).optional(),
  /** True when the flag has flagd targeting, which the record does not keep: an override of it never shows as agreeing with Git. */
  targeting: z.literal(true).optional(),
});
export type FlagRecord = z.infer<typeof flagRecordSchema>;
