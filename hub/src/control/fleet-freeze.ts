import { backoffMs, DriftlessError, isDriftlessError, type AuditDraft, type AuditEntry, type Clock, type Freeze, type ObjectStore, type RequestOptions, type Rng } from '@driftless/core';
import type { AuditLog } from '../audit/audit-log.js';
import { freeze, unfreeze, type FreezeResult } from './freeze.js';

/** Audit appends tried before giving up, pausing with backoff between them. */
const DEFAULT_APPEND_ATTEMPTS = 5;
const APPEND_BACKOFF_BASE_MS = 500;
const APPEND_BACKOFF_MAX_MS = 8_000;
/** How many of the log's newest entries are searched for a freeze's entry or the last freeze/unfreeze. */
const LOOK_BACK_ENTRIES = 1_000;

/** What {@link freezeFleet} and {@link unfreezeFleet} work with. */
export interface FleetFreezeDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** The log entries go to (signed with the operator's own key when it has one). */
  readonly audit: AuditLog;
  readonly rng?: Rng;
  /** Audit appends tried before a transient `AuditAppendFailed` (default 5). */
  readonly appendAttempts?: number;
}

/** {@link freeze}'s result, and `repaired`: the fleet was frozen already but its `fleet.frozen` entry was missing, now written. */
export interface FleetFreezeResult extends FreezeResult {
  readonly repaired: boolean;
}

/**
 * Freezes the fleet and audits it, so no freeze is left without its entry:
 * the `fleet.frozen` append is retried with backoff; when it still fails, a
 * transient `AuditAppendFailed` says the fleet is frozen and rerunning writes
 * the entry. A rerun that finds the fleet frozen looks among the log's newest
 * entries (those since the freeze's `at`) for that freeze's entry and writes
 * it when it is missing, as the freeze's actor (`data.recordedBy` names who wrote it late).
 */
export async function freezeFleet(deps: FleetFreezeDeps, record: Freeze, opts: RequestOptions = {}): Promise<FleetFreezeResult> {
  const result = await freeze(deps.store, record, opts);
  const f = result.freeze;
  const recordsIt = (e: AuditEntry): boolean =>
    e.action === 'fleet.frozen' && e.actor === f.actor && (e.data['frozenAt'] === f.at || (e.data['frozenAt'] === undefined && e.reason === f.reason));
  if (!result.created && (await newestMatching(deps.audit, recordsIt, Date.parse(f.at), opts)) !== undefined) return { ...result, repaired: false };
  const late = result.created ? {} : { recordedBy: record.actor };
  const draft: AuditDraft = { actor: f.actor, action: 'fleet.frozen', subject: 'fleet', reason: f.reason, data: { frozenAt: f.at, ...late } };
  await appendWithRetry(deps, draft, recordsIt, Date.parse(f.at), opts);
  return { ...result, repaired: !result.created };
}

/** What {@link unfreezeFleet} did: `lifted` the freeze it removed; `repaired` the freeze whose missing `fleet.unfrozen` entry it wrote. */
export interface FleetUnfreezeResult {
  readonly lifted: Freeze | undefined;
  readonly repaired: { readonly actor: string; readonly at: string; readonly reason: string } | undefined;
}

/**
 * Lifts the freeze ({@link unfreeze}) and writes `fleet.unfrozen` by `actor`
 * with backoff, as {@link freezeFleet} does. When the fleet is not frozen but
 * the newest freeze entry among the log's newest {@link LOOK_BACK_ENTRIES} is
 * a `fleet.frozen` with no `fleet.unfrozen` after it (an unfreeze whose entry
 * was lost), writes that missing entry.
 */
export async function unfreezeFleet(deps: FleetFreezeDeps, actor: string, reason: string, opts: RequestOptions = {}): Promise<FleetUnfreezeResult> {
  const lifted = await unfreeze(deps.store, opts);
  const sinceMs = lifted ? Date.parse(lifted.at) : Number.NEGATIVE_INFINITY;
  const frozen = lifted
    ? { actor: lifted.actor, at: lifted.at, reason: lifted.reason }
    : await unfrozenWithoutEntry(deps.audit, opts);
  if (frozen === undefined) return { lifted, repaired: undefined };
  const recordsIt = (e: AuditEntry): boolean => e.action === 'fleet.unfrozen' && e.data['frozenAt'] === frozen.at && e.data['frozenBy'] === frozen.actor;
  const data = { frozenBy: frozen.actor, frozenAt: frozen.at, frozenReason: frozen.reason };
  await appendWithRetry(deps, { actor, action: 'fleet.unfrozen', subject: 'fleet', reason, data }, recordsIt, sinceMs, opts);
  return { lifted, repaired: lifted ? undefined : frozen };
}

/** The freeze recorded by the newest `fleet.frozen` entry when no `fleet.unfrozen` follows it, though the fleet is not frozen. */
async function unfrozenWithoutEntry(audit: AuditLog, opts: RequestOptions): Promise<{ actor: string; at: string; reason: string } | undefined> {
  const last = await newestMatching(audit, (e) => e.action === 'fleet.frozen' || e.action === 'fleet.unfrozen', Number.NEGATIVE_INFINITY, opts);
  if (last?.action !== 'fleet.frozen') return undefined;
  const at = typeof last.data['frozenAt'] === 'string' ? last.data['frozenAt'] : last.at;
  return { actor: last.actor, at, reason: last.reason ?? '' };
}

/** The newest entry matching `test` among the newest {@link LOOK_BACK_ENTRIES} entries at or after `sinceMs`. */
async function newestMatching(audit: AuditLog, test: (e: AuditEntry) => boolean, sinceMs: number, opts: RequestOptions): Promise<AuditEntry | undefined> {
  let seen = 0;
  for await (const entry of audit.newestFirst(opts)) {
    // Entries' times never decrease: nothing older than the change can record it.
    if (Date.parse(entry.at) < sinceMs || seen++ >= LOOK_BACK_ENTRIES) return undefined;
    if (test(entry)) return entry;
  }
  return undefined;
}

/**
 * Appends `draft`, retrying transient failures with backoff; before each
 * retry it looks for the entry first (a put whose answer was lost may have
 * written it), so a retry never writes it twice.
 */
async function appendWithRetry(deps: FleetFreezeDeps, draft: AuditDraft, recordsIt: (e: AuditEntry) => boolean, sinceMs: number, opts: RequestOptions): Promise<void> {
  const attempts = deps.appendAttempts ?? DEFAULT_APPEND_ATTEMPTS;
  const rng = deps.rng ?? { next: () => Math.random() };
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      if (attempt > 1 && (await newestMatching(deps.audit, recordsIt, sinceMs, opts)) !== undefined) return;
      await deps.audit.append([draft], opts);
      return;
    } catch (err) {
      if (isDriftlessError(err) && err.errorClass !== 'transient') throw err;
      lastError = err;
      if (attempt < attempts) await deps.clock.sleep(backoffMs(attempt, APPEND_BACKOFF_BASE_MS, APPEND_BACKOFF_MAX_MS, rng), opts.signal);
    }
  }
  const cause = lastError instanceof Error ? lastError.message : String(lastError);
  throw new DriftlessError(
    'AuditAppendFailed',
    `audit entry ${draft.action} append failed after ${attempts} attempts: ${cause}; the change is made but not yet audited: run the same command again to write the entry`,
    { action: draft.action },
    { cause: lastError },
  );
}
