import { FLAG_EXPIRY_WARNING_DAYS, FLAG_STALE_DAYS, TEMPORARY_FLAG_TYPES, type FlagOverride, type FlagRecord } from './flag-definition.js';

/** A flag's health in `driftless flags`, worst first. */
export const FLAG_HEALTHS = ['expired', 'expiring', 'never-on', 'ready-to-remove', 'ok'] as const;
export type FlagHealth = (typeof FLAG_HEALTHS)[number];

const DAY_MS = 86_400_000;

/**
 * When a flag expires, ms since the epoch: the end (UTC) of its `expires`
 * day; undefined for a permanent flag or a date that does not parse.
 */
export function flagExpiryMs(expires: string | undefined): number | undefined {
  if (expires === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(expires)) return undefined;
  const start = Date.parse(`${expires}T00:00:00.000Z`);
  return Number.isNaN(start) ? undefined : start + DAY_MS;
}

/**
 * A flag's health at `now` (ms since the epoch), the first that holds of:
 * - `expired`: its expiry (the end of its `expires` day, UTC) has passed;
 * - `expiring`: it expires within FLAG_EXPIRY_WARNING_DAYS days;
 * - `never-on` (temporary types only: release, experiment, operational):
 *   every cluster has got the same one variant from Git ever since the hub
 *   first saw the flag, at least FLAG_STALE_DAYS days ago (`uniformSince`
 *   equals `firstSeen`: no rollout entry has ever given any cluster a second
 *   variant), and no override gives a different one: its code path never
 *   shipped. A younger flag is `ok` (merged, not rolled out yet);
 * - `ready-to-remove` (temporary types only): one variant has been everywhere
 *   (from Git) for at least FLAG_STALE_DAYS days and no override is active,
 *   so the code can keep that variant and drop the flag. Kill switches and
 *   permission flags sit on one variant by design and are never stale;
 * - `ok`.
 */
export function flagHealth(record: FlagRecord, now: number, override?: FlagOverride): FlagHealth {
  const expiry = flagExpiryMs(record.expires);
  if (expiry !== undefined && now >= expiry) return 'expired';
  if (expiry !== undefined && expiry - now <= FLAG_EXPIRY_WARNING_DAYS * DAY_MS) return 'expiring';
  if (!TEMPORARY_FLAG_TYPES.has(record.type) || record.uniform === undefined || record.uniformSince === undefined) return 'ok';
  const stale = now - Date.parse(record.uniformSince) >= FLAG_STALE_DAYS * DAY_MS;
  if (stale && record.uniformSince === record.firstSeen && (!override || override.variant === record.uniform)) return 'never-on';
  if (stale && !override) return 'ready-to-remove';
  return 'ok';
}
