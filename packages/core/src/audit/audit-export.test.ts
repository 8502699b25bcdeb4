import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS, type AuditAction, type AuditEntry } from './audit-entry.js';
import { auditExportRow, auditOutcome } from './audit-export.js';

const entry = (action: AuditAction, data: Record<string, unknown> = {}): AuditEntry => ({
  seq: 1,
  prev: AUDIT_GENESIS,
  at: '2026-11-22T10:00:00.000Z',
  actor: 'hub',
  action,
  subject: 'rollout/r1',
  data,
});

describe('auditOutcome', () => {
  // The data each writer really records: ring.phase is the machine's {ring, from, to}.
  const cases: { action: AuditAction; data?: Record<string, unknown>; outcome: string }[] = [
    { action: 'release.published', data: { revision: 'abc' }, outcome: 'published' },
    { action: 'rollback.allowed', outcome: 'allowed' },
    { action: 'rollout.started', outcome: 'started' },
    { action: 'rollout.superseded', outcome: 'superseded' },
    { action: 'wave.opened', data: { ring: 'canary', wave: 1, clusters: 3 }, outcome: 'opened' },
    { action: 'ring.phase', data: { ring: 'canary', from: 'Soaking', to: 'Succeeded' }, outcome: 'succeeded' },
    { action: 'ring.phase', data: { ring: 'canary', from: 'Progressing', to: 'Failed' }, outcome: 'failed' },
    { action: 'ring.phase', data: { ring: 'canary', from: 'Progressing', to: 'Soaking' }, outcome: 'soaking' },
    { action: 'ring.phase', data: { ring: 'canary', from: 'Pending', to: 'Progressing' }, outcome: 'progressing' },
    { action: 'ring.phase', data: { ring: 'canary', from: 'Pending', to: 'AwaitingApproval' }, outcome: 'awaitingapproval' },
    { action: 'ring.phase', data: { ring: 'canary', from: 'Failed', to: 'Pending' }, outcome: 'pending' },
    { action: 'ring.phase', data: { ring: 'canary' }, outcome: 'changed' },
    { action: 'rollout.approved', data: { ring: 'canary' }, outcome: 'approved' },
    { action: 'rollout.halted', outcome: 'halted' },
    { action: 'rollout.resumed', outcome: 'resumed' },
    { action: 'rollout.reverted', data: { ring: 'canary', clusters: 2, keptStateful: 0 }, outcome: 'reverted' },
    { action: 'rollout.completed', outcome: 'succeeded' },
    { action: 'fleet.frozen', outcome: 'frozen' },
    { action: 'fleet.unfrozen', data: { frozenBy: 'alice' }, outcome: 'unfrozen' },
    { action: 'rollout.halted', data: { outcome: 'halted-by-hand' }, outcome: 'halted-by-hand' },
  ];
  it.each(cases)('$action $data -> $outcome', ({ action, data, outcome }) => {
    expect(auditOutcome(entry(action, data))).toBe(outcome);
  });

  it('the export row carries it, with an empty reason when none', () => {
    expect(auditExportRow(entry('ring.phase', { ring: 'canary', from: 'Progressing', to: 'Failed' }))).toEqual({
      seq: 1,
      when: '2026-11-22T10:00:00.000Z',
      who: 'hub',
      what: 'ring.phase',
      resource: 'rollout/r1',
      outcome: 'failed',
      reason: '',
    });
  });
});
