import { z } from 'zod';
import { apiVersionField, clusterNameField, digestField, kindField, timestampField } from './common.js';

/**
 * Where a cluster stands with its desired bundle. `Stale`: the pointer in
 * force has expired (see `pointer.expiresAt`), so the agent leaves the
 * cluster as it is until the hub re-signs it.
 */
export const PHASES = ['Applied', 'Progressing', 'Degraded', 'Failed', 'Stale'] as const;
export type Phase = (typeof PHASES)[number];

const count = z.int().nonnegative();

/**
 * The largest status document a reader reads, in bytes (1 MiB): `driftless
 * status`, and the agent reading its own last status as a replay-floor record.
 * An agent's status is a few KiB (a long `lastError` included); a larger one
 * is refused (`TooLarge`) before it is read into memory.
 */
export const STATUS_MAX_BYTES = 1024 * 1024;

/**
 * `clusters/<name>/status.json`, written by that cluster's agent only: the last
 * generation it acted on, the bundle it applied, the outcome and a heartbeat.
 */
export const statusSchema = z.object({
  apiVersion: apiVersionField,
  kind: kindField('Status'),
  cluster: clusterNameField,
  observedGeneration: count,
  /** Digest of the bundle last applied completely; absent before the first success. */
  appliedBundle: digestField.optional(),
  /** Digest of the pointer's `previews` bundle applied completely with `appliedBundle`; absent when the pointer names none. */
  appliedPreviews: digestField.optional(),
  phase: z.enum(PHASES),
  objects: z.object({ total: count, ready: count, drifted: count, pruned: count }),
  /**
   * Per app, from the `driftless.io/app` annotation of the bundle's objects
   * (APP_ANNOTATION; objects without it count in `objects` only): the app's
   * objects, how many are ready, and its phase (Failed when one of its
   * objects was refused, Degraded when one failed for good, Progressing
   * while one is not ready, else Applied). Preview objects are annotated
   * `<namespace>/<app>`. Absent when no object of the bundle in force is annotated.
   */
  apps: z.record(z.string().min(1), z.object({ phase: z.enum(PHASES), ready: count, total: count })).optional(),
  lastError: z.string().optional(),
  /** With phase Stale: the expired pointer (its age is `heartbeatAt` minus `publishedAt`). */
  stale: z.object({ generation: count, publishedAt: timestampField, expiresAt: timestampField }).optional(),
  /**
   * Whether the agent runs with `--insecure-skip-verify` (it accepts unsigned
   * pointers). Agents from 0.2.0 always say; absent from older ones, which
   * verified nothing by default, so absent means unknown, never "verifies".
   */
  insecureSkipVerify: z.boolean().optional(),
  agentVersion: z.string().min(1),
  heartbeatAt: timestampField,
});

export type Status = z.infer<typeof statusSchema>;
