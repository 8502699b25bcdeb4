import { API_VERSION, type Phase, type Status } from '@driftless/core';
import type { ResolvedConfig } from './agent-config.js';
import type { AcceptedBundle, AgentState } from './agent-state.js';
import { appsStatus, type AppTally } from './app-status.js';
import type { Intake } from './intake.js';
import type { NextWait } from './next-wait.js';
import type { PassResult } from './pass-result.js';
import type { ReconcileOutcome } from './reconcile/change-set.js';
import type { StalePointer } from './stale-pointer.js';

/**
 * How reconciling the bundle in force went: its outcome over every object
 * (the status's counts), the outcome of the release's objects alone (those
 * without PREVIEW_LABEL: what the cluster's phase, `lastError` and backoff
 * are judged on, so a broken preview shows in its app only), and its apps
 * (see tallyApps; none when absent); or why the pass could not finish it (a
 * transient API failure).
 */
export type Reconciled =
  | { readonly kind: 'done'; readonly outcome: ReconcileOutcome; readonly release: ReconcileOutcome; readonly apps?: ReadonlyMap<string, AppTally> }
  | { readonly kind: 'error'; readonly error: string };

/** One structured log line. */
export type LogEvent = { readonly level: 'info' | 'warn' | 'error'; readonly msg: string } & Readonly<Record<string, unknown>>;

/** Everything a pass found, for {@link summarize}. */
export interface PassFacts {
  /** The time the pass ends at (ms since the epoch): the status's heartbeat time. */
  readonly now: number;
  readonly config: Pick<ResolvedConfig, 'cluster' | 'agentVersion' | 'heartbeatMs' | 'progressDeadlineMs' | 'insecure'>;
  readonly intake: Intake;
  /** The state after the intake (see afterIntake). */
  readonly state: Pick<AgentState, 'pointer' | 'bundle' | 'rejection' | 'appliedAt' | 'lastStatus' | 'failures'>;
  /** Absent when there is no bundle in force, polling failed, or the pointer is stale. */
  readonly reconciled: Reconciled | undefined;
  /** The expired pointer, when the agent is stale (see staleOf). */
  readonly stale?: StalePointer | undefined;
}

/** A status document to write now, and the form it is compared in (without its heartbeat time). */
export interface DueStatus {
  readonly status: Status;
  readonly body: string;
  readonly at: number;
}

/** What a pass amounts to: its result, the status to write (when due), what to log, and when to run next. */
export interface PassSummary {
  /** `statusWritten` is false here: the report step says whether it was. */
  readonly result: PassResult;
  /** Undefined when nothing is to be written: no status yet to report, or the same as last written and no heartbeat due. */
  readonly status: DueStatus | undefined;
  readonly log: readonly LogEvent[];
  readonly next: NextWait;
  /** Failed passes in a row, this one included. */
  readonly failures: number;
  /** When the bundle in force was first reconciled (its progress deadline starts there). */
  readonly appliedAt: AgentState['appliedAt'];
}

/**
 * Turns a pass's facts into its phase, status document, log lines and next
 * wait; the only place that decides them. Pure: no clock, no I/O.
 * - Polling failed: phase Unknown, no status, back off; once the pointer was
 *   read (a later source step failed transiently), Failed with its error.
 * - The pointer expired: Stale, with the pointer's age in the log line; the
 *   next pass comes after the interval (a re-signed pointer ends it).
 * - No bundle in force yet: Failed when the pointer was refused, else Unknown (nothing to report).
 * - Reconciling failed: Failed with its error.
 * - Otherwise: Failed when the pointer was refused or an object of the
 *   release failed; Degraded when one failed for good, or is still not ready
 *   past the progress deadline; Progressing while some are not ready; else
 *   Applied. Objects of previews count in their apps only (see Reconciled).
 * A Failed pass (or a failed poll) backs off; any other waits the interval.
 */
export function summarize(facts: PassFacts): PassSummary {
  const { intake, state } = facts;
  if (intake.poll === 'error') {
    // Once the pointer was read (forgetEtag), the store answers: what failed after it (a blob read, the
    // cluster's replay records) is worth a status, so a hung API server shows as Failed, not as silence.
    const read = intake.forgetEtag;
    const result: PassResult = { poll: 'error', phase: read ? 'Failed' : 'Unknown', error: intake.error, statusWritten: false };
    const status = read ? statusOf(facts, 'Failed', undefined, intake.error) : undefined;
    return settle(facts, result, status, [event(facts, 'error', 'poll failed', { error: intake.error })], state.appliedAt);
  }
  if (facts.stale) return staleSummary(facts, facts.stale);
  const refused = state.rejection ? [event(facts, 'error', 'pointer or bundle refused', { error: state.rejection })] : [];
  const generation = state.pointer ? { generation: state.pointer.generation } : {};
  if (!state.bundle || !facts.reconciled) {
    const rejection = state.rejection;
    const result: PassResult = { poll: intake.poll, phase: rejection ? 'Failed' : 'Unknown', statusWritten: false, ...(rejection ? { error: rejection } : {}) };
    return settle(facts, result, rejection ? statusOf(facts, 'Failed', undefined, rejection) : undefined, refused, state.appliedAt);
  }
  if (facts.reconciled.kind === 'error') {
    const { error } = facts.reconciled;
    const result: PassResult = { poll: intake.poll, phase: 'Failed', error, statusWritten: false, ...generation };
    return settle(facts, result, statusOf(facts, 'Failed', undefined, error), [...refused, event(facts, 'error', 'reconcile failed', { error })], state.appliedAt);
  }
  const { outcome, release } = facts.reconciled;
  const appliedAt = appliedAtOf(state.bundle, state.appliedAt, facts.now);
  const overdue = facts.now - appliedAt.at > facts.config.progressDeadlineMs;
  const phase = phaseOf(state.rejection, release, overdue);
  const lastError = state.rejection ?? release.failed[0]?.message ?? (phase === 'Degraded' ? unhealthyError(release) : undefined);
  const result: PassResult = { poll: intake.poll, phase, outcome, statusWritten: false, ...generation, ...(lastError ? { error: lastError } : {}) };
  const changed = outcome.applied || outcome.pruned || outcome.failed.length;
  const reconciled = changed ? [event(facts, 'info', 'reconciled', { generation: state.pointer?.generation, ...outcome, failed: outcome.failed.length })] : [];
  const apps = appsStatus(facts.reconciled.apps ?? new Map(), overdue);
  const log = [...refused, ...reconciled, ...previewFailures(facts, outcome, release)];
  return settle(facts, result, { ...statusOf(facts, phase, outcome, lastError), ...(apps ? { apps } : {}) }, log, appliedAt);
}

/**
 * A warning naming the refused objects of previews, when any: the status
 * shows only their apps' phase (see Reconciled), so the log says why.
 */
function previewFailures(facts: PassFacts, outcome: ReconcileOutcome, release: ReconcileOutcome): LogEvent[] {
  const ofRelease = new Set(release.failed.map((f) => f.object));
  const failed = outcome.failed.filter((f) => !ofRelease.has(f.object)).map((f) => f.message);
  return failed.length > 0 ? [event(facts, 'warn', 'preview objects failed', { generation: facts.state.pointer?.generation, failed })] : [];
}

/** A stale pass: nothing was reconciled; the status and log name the expired pointer and its age. */
function staleSummary(facts: PassFacts, stale: StalePointer): PassSummary {
  const { generation, publishedAt, expiresAt, error } = stale;
  const result: PassResult = { poll: facts.intake.poll, phase: 'Stale', generation, error, statusWritten: false };
  const ageSeconds = Math.max(0, Math.round((facts.now - Date.parse(publishedAt)) / 1000));
  const log = [event(facts, 'error', 'pointer expired', { generation, publishedAt, expiresAt, ageSeconds, error })];
  return settle(facts, result, { ...statusOf(facts, 'Stale', undefined, error), stale: { generation, publishedAt, expiresAt } }, log, facts.state.appliedAt);
}

/** When the desired state in force (its bundle and previews bundle) was first reconciled: kept while both are the same, else now. */
function appliedAtOf(bundle: AcceptedBundle, last: AgentState['appliedAt'], now: number): NonNullable<AgentState['appliedAt']> {
  const { digest, previews } = bundle;
  if (last?.digest === digest && last.previews === previews?.digest) return last;
  return { digest, ...(previews ? { previews: previews.digest } : {}), at: now };
}

/** The phase of a reconciled pass (see summarize). */
function phaseOf(rejection: string | undefined, outcome: ReconcileOutcome, overdue: boolean): Phase {
  if (rejection !== undefined || outcome.failed.length > 0) return 'Failed';
  if (outcome.degraded.length > 0) return 'Degraded';
  if (outcome.notReady.length > 0) return overdue ? 'Degraded' : 'Progressing';
  return 'Applied';
}

/** What a Degraded status names: the first object failed for good, else the first not ready. */
function unhealthyError(outcome: ReconcileOutcome): string | undefined {
  const unhealthy = outcome.degraded[0] ?? outcome.notReady[0];
  return unhealthy ? `${unhealthy.object}: ${unhealthy.reason}` : undefined;
}

/** Completes a summary: whether its status is due, the failure count and the next wait. */
function settle(facts: PassFacts, result: PassResult, status: Omit<Status, 'heartbeatAt'> | undefined, log: LogEvent[], appliedAt: AgentState['appliedAt']): PassSummary {
  const failures = result.poll === 'error' || result.phase === 'Failed' ? facts.state.failures + 1 : 0;
  const next: NextWait = failures > 0 ? { kind: 'backoff', failures } : { kind: 'interval' };
  return { result, status: status && due(facts, status), log, next, failures, appliedAt };
}

/** `status` to write now unless it equals the last one written and the heartbeat is not due yet. */
function due(facts: PassFacts, status: Omit<Status, 'heartbeatAt'>): DueStatus | undefined {
  const body = JSON.stringify(status);
  const last = facts.state.lastStatus;
  if (last?.body === body && facts.now - last.at < facts.config.heartbeatMs) return undefined;
  return { status: { ...status, heartbeatAt: new Date(facts.now).toISOString() }, body, at: facts.now };
}

function statusOf(facts: PassFacts, phase: Phase, outcome: ReconcileOutcome | undefined, lastError: string | undefined): Omit<Status, 'heartbeatAt'> {
  const { pointer, bundle } = facts.state;
  return {
    apiVersion: API_VERSION,
    kind: 'Status',
    cluster: facts.config.cluster,
    observedGeneration: pointer?.generation ?? 0,
    ...(bundle ? { appliedBundle: bundle.digest } : {}),
    ...(bundle?.previews ? { appliedPreviews: bundle.previews.digest } : {}),
    phase,
    objects: {
      total: bundle?.objects.length ?? 0,
      ready: outcome ? outcome.applied + outcome.unchanged - outcome.notReady.length - outcome.degraded.length : 0,
      drifted: outcome?.drifted ?? 0,
      pruned: outcome?.pruned ?? 0,
    },
    ...(lastError ? { lastError } : {}),
    insecureSkipVerify: facts.config.insecure,
    agentVersion: facts.config.agentVersion,
  };
}

function event(facts: PassFacts, level: LogEvent['level'], msg: string, fields: Record<string, unknown>): LogEvent {
  return { level, msg, cluster: facts.config.cluster, ...fields };
}
