import type { FlagDefinition, FlagRecord } from './flag-definition.js';

/** The ring name a cluster without delivery (no ring) is listed under in `variantsByRing`. */
export const NO_RING = '*';

/** What one publish knows of its flags, for {@link flagRecords}. */
export interface FlagRecordsInput {
  readonly definitions: readonly FlagDefinition[];
  /** Every cluster -> flag key -> the variant Git resolved for it (before overrides). */
  readonly variants: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Every cluster's ring name; absent (or a cluster missing): listed under {@link NO_RING}. */
  readonly rings?: ReadonlyMap<string, string>;
  /** Flag key -> the last commit that changed `flags/<key>.yaml`. */
  readonly commits: ReadonlyMap<string, string>;
  /** The flags of the record published before this one, whose firstSeen and uniformSince carry over. */
  readonly previous?: Readonly<Record<string, FlagRecord>>;
  /** This publish's timestamp (RFC 3339 UTC): firstSeen of new flags, uniformSince of a newly uniform one. */
  readonly publishedAt: string;
}

/**
 * Each flag's revision-record entry, by key: its definition's type, owner,
 * expiry and file, the commit that last changed it, the sorted variants each
 * ring's clusters got from Git, and the one variant every cluster got when
 * there is one, every variant it defines, and its defaultVariant and rollout (so a cluster's variant
 * can be resolved again from its labels and ring), and `targeting: true`
 * when it has targeting. `firstSeen` carries over from `previous`; `uniformSince`
 * carries over while the same variant stays everywhere, and restarts at
 * `publishedAt` when it changes or was not uniform. A flag with no cluster has
 * no `uniform`. A commit missing from `commits` is recorded as `unknown`.
 */
export function flagRecords(input: FlagRecordsInput): Record<string, FlagRecord> {
  const out: Record<string, FlagRecord> = {};
  for (const def of [...input.definitions].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const byRing = new Map<string, Set<string>>();
    for (const [cluster, variants] of input.variants) {
      const variant = variants[def.key];
      if (variant === undefined) continue;
      const ring = input.rings?.get(cluster) ?? NO_RING;
      byRing.set(ring, (byRing.get(ring) ?? new Set()).add(variant));
    }
    const variantsByRing = Object.fromEntries([...byRing].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ring, vs]) => [ring, [...vs].sort()]));
    const all = new Set([...byRing.values()].flatMap((vs) => [...vs]));
    const uniform = all.size === 1 ? [...all][0] : undefined;
    const before = input.previous?.[def.key];
    const uniformSince = uniform === undefined ? undefined : before?.uniform === uniform && before.uniformSince ? before.uniformSince : input.publishedAt;
    out[def.key] = {
      type: def.type,
      owner: def.owner,
      ...(def.expires !== undefined ? { expires: def.expires } : {}),
      file: def.file,
      commit: input.commits.get(def.key) ?? 'unknown',
      firstSeen: before?.firstSeen ?? input.publishedAt,
      variantsByRing,
      ...(uniform !== undefined && uniformSince !== undefined ? { uniform, uniformSince } : {}),
      defaultVariant: def.defaultVariant,
      variants: Object.keys(def.variants).sort(),
      rollout: def.rollout.map((e) => ({ selector: e.selector, variant: e.variant })),
      ...(def.targeting !== undefined ? { targeting: true as const } : {}),
    };
  }
  return out;
}
