import type { AuditAction, AuditEntry } from './audit-entry.js';

/** What each action amounts to when `data` says nothing more specific (see {@link auditOutcome}). */
const OUTCOME_OF: Readonly<Record<AuditAction, string>> = {
  'release.published': 'published',
  'rollback.allowed': 'allowed',
  'rollout.started': 'started',
  'rollout.superseded': 'superseded',
  'wave.opened': 'opened',
  'ring.phase': 'changed',
  'rollout.approved': 'approved',
  'rollout.halted': 'halted',
  'rollout.resumed': 'resumed',
  'rollout.reverted': 'reverted',
  'rollout.completed': 'succeeded',
  'fleet.frozen': 'frozen',
  'fleet.unfrozen': 'unfrozen',
  'flag.override.set': 'set',
  'flag.override.cleared': 'cleared',
  'preview.created': 'created',
  'preview.updated': 'updated',
  'preview.removed': 'removed',
};

/**
 * The outcome an auditor reads for `entry`: `data.outcome` when the writer
 * gave one; for `ring.phase`, the new phase (`data.to`, as the rollout
 * machine records `{ring, from, to}`) in lower case (`succeeded`, `failed`,
 * `soaking`, ...); otherwise the action's own outcome
 * (`published`, `opened`, `approved`, `halted`, `resumed`, `reverted`,
 * `succeeded` for a completed rollout, `frozen`, `unfrozen`, ...).
 */
export function auditOutcome(entry: AuditEntry): string {
  const { outcome, to } = entry.data;
  if (typeof outcome === 'string' && outcome.length > 0) return outcome;
  if (entry.action === 'ring.phase' && typeof to === 'string' && to.length > 0) return to.toLowerCase();
  return OUTCOME_OF[entry.action];
}

/** One row of `driftless audit export`: who did what, when, with which outcome, to which resource, and why. */
export interface AuditExportRow {
  readonly seq: number;
  readonly when: string;
  readonly who: string;
  readonly what: AuditAction;
  readonly resource: string;
  readonly outcome: string;
  readonly reason: string;
}

/** The export columns, in order (the CSV header). */
export const AUDIT_EXPORT_COLUMNS = ['seq', 'when', 'who', 'what', 'resource', 'outcome', 'reason'] as const satisfies readonly (keyof AuditExportRow)[];

/** `entry` as an export row; an entry without a reason has `reason: ''`. */
export function auditExportRow(entry: AuditEntry): AuditExportRow {
  return {
    seq: entry.seq,
    when: entry.at,
    who: entry.actor,
    what: entry.action,
    resource: entry.subject,
    outcome: auditOutcome(entry),
    reason: entry.reason ?? '',
  };
}
