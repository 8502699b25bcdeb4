import { FLAG_EXPIRY_WARNING_DAYS, FLAG_STALE_DAYS, type FlagOverride, type FlagRecord } from './flag-definition.js';

/** A flag's health in `driftless flags`, worst first. */
export const FLAG_HEALTHS = ['expired', 'expiring', 'ready-to-remove', 'never-on', 'ok'] as const;
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
 * - `ready-to-remove`: one variant has been everywhere (from Git) for at
 *   least FLAG_STALE_DAYS days and no override is active, so the code can
 *   keep that variant and drop the flag;
 * - `never-on`: every cluster has got the same one variant from Git ever
 *   since the hub first saw the flag (`uniformSince` equals `firstSeen`: no
 *   rollout entry has ever given any cluster a second variant), and no
 *   override gives a different one: the flag has never been switched
 *   anywhere;
 * - `ok`.
 */
export function flagHealth(record: FlagRecord, now: number, override?: FlagOverride): FlagHealth {
  const expiry = flagExpiryMs(record.expires);
  if (expiry !== undefined && now >= expiry) return 'expired';
  if (expiry !== undefined && expiry - now <= FLAG_EXPIRY_WARNING_DAYS * DAY_MS) return 'expiring';
  if (record.uniform === undefined || record.uniformSince === undefined) return 'ok';
  if (!override && now - Date.parse(record.uniformSince) >= FLAG_STALE_DAYS * DAY_MS) return 'ready-to-remove';
  if (record.uniformSince === record.firstSeen && (!override || override.variant === record.uniform)) return 'never-on';
  return 'ok';
}
