import type { FlagReport } from '@driftless/hub';

/** One row of GET /api/v1/flags. */
export type FlagRow = FlagReport['flags'][number];

/**
 * The variants the report names for a flag: the ones its clusters got per
 * ring, its default, its rollout entries' and its override's, sorted. The
 * revision record keeps no full variant list, so a variant no cluster has
 * had yet may be missing: the set-variant control takes any name, and the
 * server refuses one the flag file lacks.
 */
export function knownVariants(row: FlagRow): string[] {
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
 * The variant a kill switch's button sets: the first known variant named like
 * off (`off`, `false`, `disabled`, …), else `off`, the convention the README's
 * examples follow (a kill switch usually sits on `on`, so `off` is often not
 * among the variants the record saw).
 */
export function killVariant(row: FlagRow): string {
  const known = knownVariants(row);
  return OFF_NAMES.find((n) => known.includes(n)) ?? 'off';
}

/** `canary=on rest=off`: the variants per ring as `driftless flags` prints them. */
export function variantsText(row: FlagRow): string {
  return Object.entries(row.variantsByRing)
    .map(([ring, vs]) => `${ring}=${vs.join('|')}`)
    .join(' ');
}
