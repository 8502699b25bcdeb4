import { FLAG_EXPIRY_WARNING_DAYS, FLAG_STALE_DAYS, TEMPORARY_FLAG_TYPES, type FlagOverride, type FlagRecord } from './flag-definition.js';

/** A flag's health in `driftless flags`, worst first. */
export const FLAG_HEALTHS = ['expired', 'expiring', 'never-on', 'ready-to-remove', 'ok'] as const;
export type FlagHealth = (typeof FLAG_HEALTHS)[number];

const DAY_MS = 86_400_000;

/**
 * Calendar days from `now`'s UTC date to a flag's `expires` day: 0 on that
 * day, 14 two weeks before it, negative once it has passed (the flag is
 * expired from 00:00 UTC of the next day). Undefined for a permanent flag or
 * a date that does not parse. What the compile warning, flag health and
 * `driftless flags` all count, so they agree at every hour of a day.
 */
export function flagDaysToExpiry(expires: string | undefined, now: number): number | undefined {
  if (expires === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(expires)) return undefined;
  const day = Date.parse(`${expires}T00:00:00.000Z`);
  if (Number.isNaN(day)) return undefined;
  return Math.round((day - Math.floor(now / DAY_MS) * DAY_MS) / DAY_MS);
}

/**
 * A flag's health at `now` (ms since the epoch), the first that holds of:
 * - `expired`: its `expires` day (UTC) has passed;
 * - `expiring`: its `expires` day is FLAG_EXPIRY_WARNING_DAYS calendar days
 *   away or less (see flagDaysToExpiry);
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
  const days = flagDaysToExpiry(record.expires, now);
  if (days !== undefined && days < 0) return 'expired';
  if (days !== undefined && days <= FLAG_EXPIRY_WARNING_DAYS) return 'expiring';
  if (!TEMPORARY_FLAG_TYPES.has(record.type) || record.uniform === undefined || record.uniformSince === undefined) return 'ok';
  const stale = now - Date.parse(record.uniformSince) >= FLAG_STALE_DAYS * DAY_MS;
  if (stale && record.uniformSince === record.firstSeen && (!override || override.variant === record.uniform)) return 'never-on';
  if (stale && !override) return 'ready-to-remove';
  return 'ok';
}
