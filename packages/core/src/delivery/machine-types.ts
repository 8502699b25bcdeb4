import type { Digest } from '../digest.js';
import type { Phase } from '../documents/status.js';
import type { AuditAction } from '../audit/audit-entry.js';
import type { DeliveryPlan } from './plan.js';
import type { ActionRecord, PointerMove, Rollout } from './rollout-document.js';

/**
 * The rollout state machine's contract (DESIGN.md, Delivery): pure functions
 * of (release, state, observations, now) to (next state, pointer moves, audit
 * events). No I/O, no clock: `now` is passed in, so the same inputs always
 * give the same outputs. The hub's controller reads the inputs from the store,
 * writes the new state compare-and-swap, and only then moves pointers.
 */

/** What a compile released for one cluster. */
export interface ReleaseCluster {
  /** Index into the plan's rings (the first ring whose selector matches the cluster's labels). */
  readonly ring: number;
  /** The release's bundle for the cluster. */
  readonly to: Digest;
  /** What its pointer names now; undefined for a cluster that has no pointer yet. */
  readonly from?: Digest;
  /** See `clusterRolloutSchema.statefulChanged`. */
  readonly statefulChanged: boolean;
  /** The mass-prune guard refused `to`: the pointer stays. */
  readonly refused?: boolean;
  /** The cluster's labels that the plan's check queries name (`checkLabelKeys(plan.checks)`), copied into the rollout. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** One compile's output as a rollout starts it. */
export interface Release {
  readonly id: string;
  readonly revision: string;
  readonly plan: DeliveryPlan;
  readonly clusters: ReadonlyMap<string, ReleaseCluster>;
  /** The rollout this one supersedes, if one was running. */
  readonly supersedes?: string;
}

/** One agent's status as the controller observed it (a subset of the status document). */
export interface ObservedStatus {
  readonly phase: Phase;
  readonly observedGeneration: number;
  readonly appliedBundle?: Digest;
  readonly heartbeatAt: string;
  readonly lastError?: string;
}

/**
 * One check's reading for one subject at this step (see `metricQueries`):
 * a value, no data (neither set: an empty result or NaN), or the error that
 * kept the query from answering (it waits, never passes).
 */
export interface MetricReading {
  readonly value?: number;
  readonly error?: string;
  /**
   * Not asked in this step: the step's time budget for metric reads ran out
   * before its turn (the controller starts the next step's reads where this
   * one stopped). The subject keeps the verdict of its last reading; its
   * value at this step is recorded as none.
   */
  readonly skipped?: true;
}

/** Everything outside the rollout document that a step looks at. */
export interface Observations {
  /** Statuses by cluster; a cluster without one has not reported yet. */
  readonly statuses: ReadonlyMap<string, ObservedStatus>;
  /** The fleet-wide freeze, when present: no pointer moves. */
  readonly freeze?: ActionRecord;
  /**
   * Metric readings by check name, then by subject: each `MetricQuery` that
   * `metricQueries(state)` lists, read just before the step. A subject the
   * step evaluates without a reading counts as a failed query (no metric source).
   */
  readonly metrics?: ReadonlyMap<string, ReadonlyMap<string, MetricReading>>;
}

/** An audit entry before the log gives it a seq, prev and time (`at` is the step's `now`). */
export interface AuditDraft {
  readonly actor: string;
  readonly action: AuditAction;
  /** What it is about: `rollout/<id>`, `rollout/<id>/ring/<name>`, `cluster/<name>`, `fleet`. */
  readonly subject: string;
  readonly reason?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** What one transition produced. `state` is unchanged (same object) when nothing changed. */
export interface Transition {
  readonly state: Rollout;
  readonly moves: readonly PointerMove[];
  readonly audit: readonly AuditDraft[];
  readonly changed: boolean;
}

/** A person's command on a rollout; `actor` is `--as`, DRIFTLESS_ACTOR or the API token's user. */
export type RolloutCommand =
  | { readonly kind: 'approve'; readonly ring: string; readonly actor: string; readonly reason: string }
  | { readonly kind: 'halt'; readonly actor: string; readonly reason: string }
  | { readonly kind: 'resume'; readonly actor: string; readonly reason: string };

/** `startRollout(release, now)`: the new rollout's first state, ring 0's first wave opened (unless frozen). */
export type StartRollout = (release: Release, observations: Observations, now: number) => Transition;
/** `stepRollout(state, observations, now)`: one evaluation of every gate, and the moves it allows. */
export type StepRollout = (state: Rollout, observations: Observations, now: number) => Transition;
/** `applyRolloutCommand(state, command, now)`: approve / halt / resume; a command that does not apply is a stalled `RolloutCommandRefused`. */
export type ApplyRolloutCommand = (state: Rollout, command: RolloutCommand, now: number) => Transition;
/** `supersede(state, byId, now)`: marks a running rollout Superseded by a newer one; no moves. */
export type SupersedeRollout = (state: Rollout, byId: string, now: number) => Transition;
