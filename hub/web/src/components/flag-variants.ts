import type { FlagReport } from '@driftless/hub';

/** One row of GET /api/v1/flags. */
export type FlagRow = FlagReport['flags'][number];

/**
 * A flag's variants: every one its file defines when the record keeps them
 * (records since `variants` was added), else the ones the report names (its
 * clusters' per ring, its default, its rollout entries' and its override's),
 * sorted. Without the full list a variant no cluster has had yet may be
 * missing: the set-variant control takes any name, and the server refuses one
 * the flag file lacks.
 */
export function knownVariants(row: FlagRow): string[] {
  if (row.variants !== undefined) return [...row.variants].sort();
  const all = new Set<string>([
    ...Object.values(row.variantsByRing).flat(),
    ...(row.defaultVariant ? [row.defaultVariant] : []),
    ...(row.rollout ?? []).map((e) => e.variant),
    ...(row.override ? [row.override.variant] : []),
  ]);
  return [...all].sort();
}

const OFF_NAMES = ['off', 'false', 'disabled', 'disable', 'kill', 'killed'];

/**
 * The variant a kill switch's button sets: the first of its variants named
 * like off (`off`, `false`, `disabled`, …); else, when the record lists the
 * flag's variants and exactly one differs from its default, that one (a kill
 * switch sits on its default); else `off`, the convention the README's
 * examples follow.
 */
export function killVariant(row: FlagRow): string {
  const known = knownVariants(row);
  const named = OFF_NAMES.find((n) => known.includes(n));
  if (named !== undefined) return named;
  const others = row.variants?.filter((v) => v !== row.defaultVariant) ?? [];
  return others.length === 1 && others[0] !== undefined ? others[0] : 'off';
}

/** `canary=on rest=off`: the variants per ring as `driftless flags` prints them. */
export function variantsText(row: FlagRow): string {
  return Object.entries(row.variantsByRing)
    .map(([ring, vs]) => `${ring}=${vs.join('|')}`)
    .join(' ');
}
