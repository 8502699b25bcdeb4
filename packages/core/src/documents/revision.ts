import { z } from 'zod';
import { flagRecordSchema } from '../flags/flag-definition.js';
import { apiVersionField, clusterNameField, digestField, kindField, revisionField, timestampField } from './common.js';

/**
 * `revisions/<git-sha>.json`: what one compile of one commit produced, cluster
 * name -> bundle digest (the release's, also for clusters whose ring has not
 * opened yet) and, with delivery, its ring. Written last, after every blob and pointer, so its
 * presence means the whole commit was published. Garbage collection keeps every
 * blob the most recent records name.
 */
export const revisionRecordSchema = z.object({
  apiVersion: apiVersionField,
  kind: kindField('Revision'),
  revision: revisionField,
  publishedAt: timestampField,
  clusters: z.record(clusterNameField, digestField),
  /**
   * Set when this revision was published with `--allow-rollback` although it
   * does not descend from the last published one: that revision.
   */
  rolledBackFrom: revisionField.optional(),
  /** With `spec.delivery`: every cluster's ring (cluster name -> ring name). Its pointer moves when the rollout opens that ring. */
  rings: z.record(clusterNameField, z.string().min(1)).optional(),
  /** Every cluster's labels (what `driftless flag set --selector` matches against). */
  labels: z.record(clusterNameField, z.record(z.string(), z.string())).optional(),
  /** With `flags/*.yaml`: each flag by key (`driftless flags`). */
  flags: z.record(z.string(), flagRecordSchema).optional(),
});

export type RevisionRecord = z.infer<typeof revisionRecordSchema>;
