import { z } from 'zod';
import { digestField } from '../documents/common.js';

/**
 * `hub/audit-head.json`: where the newest audit entry is believed to be, and
 * its hash. Written best effort after appends, so it may lag behind the log
 * (never ahead of it): appenders use it only as a place to start probing, and
 * `audit verify` checks that the entry it names exists and has its hash.
 */
export const auditHeadSchema = z.strictObject({
  seq: z.int().positive(),
  hash: digestField,
});
export type AuditHead = z.infer<typeof auditHeadSchema>;
