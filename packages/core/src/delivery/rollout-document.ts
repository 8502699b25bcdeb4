import { z } from 'zod';
import { AUDIT_ACTIONS } from '../audit/audit-entry.js';
import { apiVersionField, clusterNameField, digestField, kindField, revisionField, timestampField } from '../documents/common.js';
import type { AuditDraft } from './machine-types.js';
import { CHECK_AGGREGATES, DELIVERY_MODES, NO_DATA_POLICIES, ON_FAILURE, type DeliveryPlan } from './plan.js';

/** Where a rollout stands (`driftless rollout status`). */
export const ROLLOUT_PHASES = ['Progressing', 'AwaitingApproval', 'Halted', 'Completed', 'Superseded'] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

/** Where one ring of a rollout stands. */
export const RING_PHASES = ['Pending', 'Progressing', 'Soaking', 'AwaitingApproval', 'Succeeded', 'Failed'] as const;
export type RingPhase = (typeof RING_PHASES)[number];

/**
 * Where one cluster of a rollout stands:
 * - `pending`: its ring (or wave) has not opened; its pointer is untouched;
 * - `moved`: its pointer names the release's bundle; no verdict yet;
 * - `applied`: its agent reported Applied for the release's bundle;
 * - `failed`: it reported Degraded or Failed for it, or nothing within `progressDeadline`;
 * - `excused`: it had failed when a person resumed the rollout: it no longer counts against the ring;
 * - `reverted`: `onFailure: revert` moved its pointer back to `from`;
 * - `unchanged`: its bundle is the one its pointer already names: nothing to move, no gate;
 * - `refused`: the mass-prune guard refused its new bundle at compile: its pointer stays, no gate.
 */
export const CLUSTER_ROLLOUT_STATES = ['pending', 'moved', 'applied', 'failed', 'excused', 'reverted', 'unchanged', 'refused'] as const;
export type ClusterRolloutState = (typeof CLUSTER_ROLLOUT_STATES)[number];

const count = z.int().nonnegative();
const amountSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('count'), value: count }),
  z.strictObject({ kind: z.literal('percent'), value: z.number().min(0).max(100) }),
]);

/** A CheckPlan as stored inside a rollout document. */
const checkPlanSchema = z.strictObject({
  name: z.string().min(1),
  query: z.string().min(1),
  max: z.number().exactOptional(),
  min: z.number().exactOptional(),
  forMs: count,
  aggregate: z.enum(CHECK_AGGREGATES),
  noData: z.enum(NO_DATA_POLICIES),
});

/** A DeliveryPlan as stored inside a rollout document (`checks` absent in documents written before metric checks). */
export const deliveryPlanSchema = z.strictObject({
  mode: z.enum(DELIVERY_MODES),
  onFailure: z.enum(ON_FAILURE),
  rings: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        soakMs: count,
        maxConcurrent: amountSchema,
        maxFailures: amountSchema,
        progressDeadlineMs: count,
        approval: z.boolean(),
        checks: z.array(z.string()),
      }),
    )
    .min(1),
  checks: z.array(checkPlanSchema).default([]),
}) satisfies z.ZodType<DeliveryPlan>;

/** Who did something, when and why: approvals, halts, resumes, the freeze. */
export const actionRecordSchema = z.strictObject({
  actor: z.string().min(1),
  at: timestampField,
  reason: z.string(),
});
export type ActionRecord = z.infer<typeof actionRecordSchema>;

/** One gate of a ring as last evaluated: `health`, `soak`, `approval`, `check:<name>`. */
export const gateStateSchema = z.strictObject({
  gate: z.string().min(1),
  state: z.enum(['pending', 'passed', 'failed']),
  reason: z.string(),
  /** When the gate took this state. */
  since: timestampField,
});
export type GateState = z.infer<typeof gateStateSchema>;

/**
 * A check's value at one evaluation: a number, `+Inf` / `-Inf` (JSON has no
 * infinities), or null when there was none (no data, or the query failed:
 * then the subject's `error` says why).
 */
export const checkValueSchema = z.union([z.number(), z.literal('+Inf'), z.literal('-Inf')]).nullable();
export type CheckValue = z.infer<typeof checkValueSchema>;

/** How many evaluations a check keeps per subject (`CheckState.times`), and the ring's chart (`CheckState.history`). */
export const CHECK_SAMPLES_KEPT = 5;
export const CHECK_HISTORY_KEPT = 30;

/** One subject of a check (a cluster, or the ring for `aggregate: ring`) as last evaluated. */
export const checkSubjectSchema = z.strictObject({
  /**
   * Its values at the check's last evaluations, oldest first, aligned to the
   * END of `CheckState.times` (a subject judged for fewer evaluations, a
   * cluster of a later wave, has fewer). Times are kept once per check, not
   * per value: a 10,000-cluster ring keeps several values per cluster.
   */
  values: z.array(checkValueSchema),
  /** The first evaluation of the current unbroken run of breaching values; absent while within the threshold. */
  breachingSince: timestampField.optional(),
  /** The first evaluation of the current unbroken run without a value (no data, or an error); absent while it has one. */
  waitingSince: timestampField.optional(),
  /** The last evaluation's query error (`prometheus at … query failed: …`), when it failed. */
  error: z.string().optional(),
});
export type CheckSubject = z.infer<typeof checkSubjectSchema>;

/**
 * One check of one ring as last evaluated: the times of its last
 * evaluations, its subjects (cluster names for `aggregate: cluster`, the
 * ring's name for `ring`; only those it judges now: a cluster that failed,
 * was excused or reverted drops out, and a Succeeded ring keeps none) and one
 * line per evaluation for the ring as a whole: the worst subject's value and
 * which subject it was (the dashboard's chart, against the threshold). The
 * verdict is the ring's `check:<name>` gate.
 */
export const checkStateSchema = z.strictObject({
  check: z.string().min(1),
  /** The last CHECK_SAMPLES_KEPT evaluation times, oldest first. */
  times: z.array(timestampField),
  subjects: z.record(z.string(), checkSubjectSchema),
  /** The last CHECK_HISTORY_KEPT evaluations, oldest first: `[at, worst value, its subject]`. */
  history: z.array(z.tuple([timestampField, checkValueSchema, z.string()])),
});
export type CheckState = z.infer<typeof checkStateSchema>;

/**
 * One ring of a rollout as the machine last left it: its phase (Pending until
 * it opens: also while an approved ring is held by a freeze; AwaitingApproval
 * only while its approval is missing), waves opened, the times it opened,
 * began soaking and finished, whether its revert ran, its approval and its gates.
 */
export const ringStateSchema = z.strictObject({
  name: z.string().min(1),
  phase: z.enum(RING_PHASES),
  /** Waves whose clusters' pointers were moved, 0 until the ring opens. */
  wavesOpened: count,
  openedAt: timestampField.optional(),
  /** When its last wave became healthy: the soak runs from here. */
  soakingSince: timestampField.optional(),
  /** When it succeeded or failed. */
  finishedAt: timestampField.optional(),
  /** `onFailure: revert` has moved its clusters back (so it is not done twice). */
  reverted: z.boolean().optional(),
  approval: actionRecordSchema.optional(),
  gates: z.array(gateStateSchema),
  /** Its metric checks' evaluations, in plan order, while it is open (and as they were when it finished). */
  checks: z.array(checkStateSchema).optional(),
});
export type RingState = z.infer<typeof ringStateSchema>;

/** One cluster of a release and where it stands in the rollout. */
export const clusterRolloutSchema = z.strictObject({
  /** Index into `plan.rings`. */
  ring: count,
  /** The release's bundle for this cluster. */
  to: digestField,
  /** The bundle its pointer named when the rollout started (its last good bundle; what a revert goes back to); absent for a new cluster. */
  from: digestField.optional(),
  /**
   * A stateful app (`stateful: true`) of this cluster changes between `from`
   * and `to`, or may (unknown counts as changed): never reverted automatically.
   */
  statefulChanged: z.boolean(),
  /**
   * sha256 hex of the canonical JSON of `to`'s objects of stateful apps, when
   * it has any: the next release compares it to decide `statefulChanged`.
   */
  statefulKey: z.string().optional(),
  state: z.enum(CLUSTER_ROLLOUT_STATES),
  /** 1-based wave inside its ring, set when the wave opens. */
  wave: z.int().positive().optional(),
  /** When its pointer was moved (or reverted). */
  movedAt: timestampField.optional(),
  /** The pointer generation the move wrote, once the hub has written it: a status with an older observedGeneration is about an older pointer. */
  generation: z.int().positive().optional(),
  /** When its verdict (applied / failed) was reached. */
  settledAt: timestampField.optional(),
  /** Why it failed, in words (`Degraded: …`, `no Applied report within 15m`). */
  reason: z.string().optional(),
  /** The cluster's labels that the plan's check queries name (`${cluster.labels.KEY}`), and only those. */
  labels: z.record(z.string(), z.string()).optional(),
});
export type ClusterRollout = z.infer<typeof clusterRolloutSchema>;

/**
 * A pointer the hub is to move: to a release's bundle (`wave`), back to the
 * last good one (`revert`), or to its bundle rewritten under the flag
 * overrides (`flag-override`: `driftless flag set/clear`, past rings and the
 * freeze; never in a rollout's intent log).
 */
export const pointerMoveSchema = z.strictObject({
  cluster: clusterNameField,
  digest: digestField,
  reason: z.enum(['wave', 'revert', 'flag-override']),
});
export type PointerMove = z.infer<typeof pointerMoveSchema>;

/** An AuditDraft as kept in a rollout's intent log (`pendingAudit`) until the audit log has it. */
export const auditDraftSchema = z.strictObject({
  actor: z.string().min(1),
  action: z.enum(AUDIT_ACTIONS),
  subject: z.string().min(1),
  reason: z.string().exactOptional(),
  data: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<AuditDraft>;

/**
 * `rollouts/<id>.json`: one release moving through the rings, written
 * compare-and-swap on its ETag only. `version` increases with every write.
 * `pendingMoves` and `pendingAudit` are the hub's intent log: the moves and
 * audit entries a state change decided, written with it before any pointer
 * is touched or entry appended and cleared together once all are done, so a
 * step that crashes between the two is finished by the next (which may
 * append an entry twice, never lose one).
 */
export const rolloutSchema = z.strictObject({
  apiVersion: apiVersionField,
  kind: kindField('Rollout'),
  id: z.string().regex(/^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}$/, 'must be <UTC yyyymmddThhmmssZ>-<12 hex of the revision>'),
  revision: revisionField,
  version: z.int().positive(),
  createdAt: timestampField,
  updatedAt: timestampField,
  plan: deliveryPlanSchema,
  phase: z.enum(ROLLOUT_PHASES),
  rings: z.array(ringStateSchema),
  clusters: z.record(clusterNameField, clusterRolloutSchema),
  /** Set while Halted: by hand (`rollout halt`) or by a breached gate (actor `hub`). */
  halt: actionRecordSchema.extend({ ring: z.string().optional(), automatic: z.boolean() }).optional(),
  /** The rollout that replaced this one (phase Superseded). */
  supersededBy: z.string().optional(),
  /** The rollout this one replaced. */
  supersedes: z.string().optional(),
  pendingMoves: z.array(pointerMoveSchema).optional(),
  pendingAudit: z.array(auditDraftSchema).optional(),
  /**
   * The id of the key that signed the release's pointers (the hub's
   * signingKeyId), when it was compiled with one: every step and every
   * approve or resume needs that key (agents would refuse a pointer signed
   * otherwise, and a signed fleet's audit log stays signed).
   */
  signingKeyId: z.string().min(1).optional(),
});
export type Rollout = z.infer<typeof rolloutSchema>;

/**
 * `rollouts/current.json`: which rollout is the current one (the newest
 * release), written compare-and-swap by the compile that starts a rollout.
 */
export const currentRolloutSchema = z.strictObject({
  apiVersion: apiVersionField,
  kind: kindField('CurrentRollout'),
  id: z.string().min(1),
  revision: revisionField,
});
export type CurrentRollout = z.infer<typeof currentRolloutSchema>;

/** `control/freeze.json`: the fleet-wide freeze, present while frozen. */
export const freezeSchema = z.strictObject({
  apiVersion: apiVersionField,
  kind: kindField('Freeze'),
  actor: z.string().min(1),
  at: timestampField,
  reason: z.string().min(1),
});
export type Freeze = z.infer<typeof freezeSchema>;

/** The rollout id for `revision` started at `nowMs`: sortable by start time. */
export function rolloutId(revision: string, nowMs: number): string {
  const t = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${t}-${revision.slice(0, 12)}`;
}
