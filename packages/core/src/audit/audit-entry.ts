import { z } from 'zod';
import { digestField, timestampField } from '../documents/common.js';

/**
 * What an audit entry records. `release.published`: a compile published a
 * release (`data.allowRollback` when `--allow-rollback` let it through);
 * `wave.opened`: pointers of a wave moved; `ring.phase`: a gate result
 * changed a ring's phase; `rollout.*`: the rollout as a whole;
 * `preview.*`: a branch's preview environment was first built, rebuilt
 * from a new commit, or removed (`reason` says why).
 */
export const AUDIT_ACTIONS = [
  'release.published',
  'rollback.allowed',
  'rollout.started',
  'rollout.superseded',
  'wave.opened',
  'ring.phase',
  'rollout.approved',
  'rollout.halted',
  'rollout.resumed',
  'rollout.reverted',
  'rollout.completed',
  'fleet.frozen',
  'fleet.unfrozen',
  'flag.override.set',
  'flag.override.cleared',
  'preview.created',
  'preview.updated',
  'preview.removed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The `prev` of entry 1: there is no previous entry. */
export const AUDIT_GENESIS = `sha256:${'0'.repeat(64)}` as const;

/**
 * `audit/<seq, 16 digits>.json`: one entry of the audit log, written
 * put-if-absent and never rewritten. `prev` is the digest (`sha256:` + hex)
 * of the previous entry's canonical bytes (signature included), so altering,
 * removing or reordering an entry breaks the chain after it. `signature` is
 * `ed25519:<base64>` over the entry's canonical bytes without it (as a
 * pointer's), when the hub has a key.
 */
export const auditEntrySchema = z.strictObject({
  seq: z.int().positive(),
  prev: digestField,
  at: timestampField,
  actor: z.string().min(1),
  action: z.enum(AUDIT_ACTIONS),
  subject: z.string().min(1),
  reason: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
  signature: z.string().regex(/^ed25519:[A-Za-z0-9+/]+={0,2}$/, 'must be ed25519: followed by base64').optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
