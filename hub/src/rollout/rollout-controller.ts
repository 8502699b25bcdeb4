import type { KeyObject } from 'node:crypto';
import {
  DriftlessError,
  isDriftlessError,
  type ActionRecord,
  type ApplyRolloutCommand,
  type AuditDraft,
  type Clock,
  type ObjectStore,
  type Observations,
  type PointerMove,
  type Release,
  type Rollout,
  type RolloutCommand,
  type StartRollout,
  type StepRollout,
  type SupersedeRollout,
  type MetricSource,
  type Transition,
} from '@driftless/core';
import { quietLog, type HubLog } from '../hub-log.js';
import { moveRolloutPointers, type MoveOutcome } from './rollout-moves.js';
import { readFreeze } from '../control/freeze.js';
import { casRollout, readCurrentRolloutDocument, readRollout, rolloutConflict, ROLLOUT_CAS_ATTEMPTS, type RolloutCache, type Versioned } from './rollout-store.js';
import { createStatusObserver, type StatusObserver } from './status-observer.js';
import { startRelease } from './rollout-start.js';
import { signingKeyId } from '../publish/pointer-signing.js';
import { summarizeRolloutWithFreeze, type RolloutSummary } from './rollout-summary.js';
import { createMetricObserver, type MetricRead, type MetricReadCounts, requireMetricSource, reusedRead } from './metric-observer.js';

/** The rollout state machine (core), injected so the controller is tested with a small hand-written one. */
export interface RolloutMachine {
  readonly start: StartRollout;
  readonly step: StepRollout;
  readonly command: ApplyRolloutCommand;
  readonly supersede: SupersedeRollout;
}

/** Where audit drafts go (the audit log): appended in order, each once. */
export interface AuditSink {
  append(drafts: readonly AuditDraft[]): Promise<unknown>;
}

/** Everything the controller needs, injected (STYLE.md). */
export interface RolloutControllerDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly machine: RolloutMachine;
  readonly audit: AuditSink;
  /** A fresh unique id per call (the hub-state marker's, see moveRolloutPointers). */
  readonly newId: () => string;
  readonly signingKey?: KeyObject;
  /** A signed pointer's lifetime, ms; default DEFAULT_POINTER_TTL_MS. */
  readonly pointerTtlMs?: number;
  /** Default: one observer per controller (it keeps status ETags between steps). */
  readonly observer?: StatusObserver;
  readonly log?: HubLog;
  /**
   * Where metric checks read their values (`--prometheus URL`). Without it a
   * rollout whose plan has checks is refused (MetricSourceRequired) by a
   * step, start, approve or resume before anything is written; a halt needs none.
   */
  readonly metrics?: MetricSource;
  /** Metric queries in flight at once per step; default DEFAULT_METRIC_CONCURRENCY (16). */
  readonly metricConcurrency?: number;
  /**
   * Time a step spends reading metrics at most, ms (default DEFAULT_METRIC_BUDGET_MS, 20 s):
   * a subject unanswered by then reads as an error (it waits, never passes), so a hung
   * source never holds up health halts and reverts judged in the same step.
   */
  readonly metricBudgetMs?: number;
}

/** What one step did (`driftless rollout step --json`). */
export interface StepReport {
  /** The current rollout's id; undefined when no rollout was ever started. */
  readonly rollout?: string;
  readonly phase?: Rollout['phase'];
  /** Pointers this step moved to the release's bundle. */
  readonly moved: number;
  /** Pointers this step moved back to a cluster's last good bundle. */
  readonly reverted: number;
  /** Whether this step wrote a new version of the rollout. */
  readonly changed: boolean;
  /** Set while the rollout is halted: who halted it and why. */
  readonly halted?: { readonly actor: string; readonly reason: string; readonly ring?: string };
  /** Set while the fleet is frozen: no pointer moves. */
  readonly frozen?: { readonly actor: string; readonly reason: string };
  /** Set when the step read metrics: queries asked, and subjects answered, skipped (the budget ran out) and failed. */
  readonly metricReads?: MetricReadCounts;
}

/** How a person's command is bound to what they saw. */
export interface CommandOptions {
  /**
   * The id of the rollout the person looked at (the dashboard sends the one
   * it displayed). When another rollout is current the command throws the
   * stalled RolloutSuperseded and writes nothing. It is checked on every read
   * of the compare-and-swap loop, before anything is written, so a rollout
   * started between the person's look and the write cannot take the command.
   */
  readonly expectRolloutId?: string;
}

/** The rollout controller (see createRolloutController). */
export interface RolloutController {
  /**
   * One idempotent step of the current rollout. When `signal` aborts (the
   * lease lost, the server stopping) before the step writes, its metric
   * reads stop and it rejects with the abort's reason, writing nothing.
   */
  step(signal?: AbortSignal): Promise<StepReport>;
  /**
   * Applies a person's command (a refused one throws the stalled
   * RolloutCommandRefused), then steps; a halt is only recorded (no key needed, no step).
   * With `opts.expectRolloutId`, a command is for that rollout only (see CommandOptions).
   */
  command(cmd: RolloutCommand, opts?: CommandOptions): Promise<StepReport>;
  /**
   * Starts a rollout of `release` (see startRelease): supersedes the running
   * one, writes the new one with ring 0's first moves as intent, makes it
   * current, then steps (which moves them). Undefined, doing nothing, when
   * the current rollout is already one of `release.revision`.
   */
  start(release: Omit<Release, 'supersedes'>, statefulKeys?: ReadonlyMap<string, string>): Promise<StepReport | undefined>;
  /** The current rollout and its summary; undefined when no rollout was ever started. */
  status(): Promise<{ rollout: Rollout; summary: RolloutSummary } | undefined>;
  /**
   * Writes `t` (a transition of the rollout as `read`) with its moves and audit
   * drafts as intent, moves the pointers, appends the drafts and clears the
   * intent recording generations: what step, command and a compile's start
   * share. Undefined when `read` is stale.
   */
  commit(read: Versioned<Rollout>, t: Transition, operation?: string): Promise<MoveOutcome[] | undefined>;
}

/**
 * The hub's rollout controller over the store (DESIGN.md, Delivery). A step
 * first finishes the intent log a crashed step left in the rollout
 * (`pendingMoves`, `pendingAudit`), then reads the freeze and the agents'
 * statuses, runs the state machine and, when the state changed, writes it
 * compare-and-swap with its moves and audit drafts as intent before moving
 * any pointer, moves them, appends the drafts and clears the intent recording
 * each cluster's pointer generation. Of several controllers stepping at once
 * exactly one wins each version; the others re-read and decide again (then
 * RolloutConflict after ROLLOUT_CAS_ATTEMPTS), and a step that lost to a
 * writer leaves that writer's intent to it (so its audit entries are not
 * appended twice; a step that dies after appending and before clearing may
 * still leave one twice, never none). A rollout whose pointers are
 * signed (`signingKeyId`) is stepped, approved and resumed only with that key
 * (SigningKeyRequired, before anything is written); a halt needs none.
 */
export function createRolloutController(deps: RolloutControllerDeps): RolloutController {
  const log = deps.log ?? quietLog;
  const observer = deps.observer ?? createStatusObserver(deps.store, { log });
  const moveDeps = { ...deps, log };
  const keyId = deps.signingKey ? signingKeyId(deps.signingKey) : undefined;
  const readMetrics = deps.metrics
    ? createMetricObserver(deps.metrics, {
        clock: deps.clock,
        ...(deps.metricConcurrency === undefined ? {} : { concurrency: deps.metricConcurrency }),
        ...(deps.metricBudgetMs === undefined ? {} : { budgetMs: deps.metricBudgetMs }),
      })
    : undefined;
  // A finished rollout has no gate left to read: stepping it needs no source.
  const requireMetrics = (rollout: Rollout, operation: string): void => {
    if (rollout.phase === 'Completed' || rollout.phase === 'Superseded') return;
    requireMetricSource(rollout.plan, deps.metrics, { subject: `rollout ${rollout.id}`, operation, rollout: rollout.id });
  };
  // The document as this controller last read or wrote it: an unchanged one costs a 304.
  const cache: RolloutCache = {};

  /**
   * Moves the intent log's pointers, appends its audit drafts, then clears both
   * recording generations. Nothing is done when the rollout changed since
   * `read` (another step finished or replaced this intent: a slow holder must
   * not move pointers back); `cleared` false then, or when a writer came between.
   */
  const finish = async (read: Versioned<Rollout>, operation: string): Promise<{ outcomes: MoveOutcome[]; cleared: boolean }> => {
    const pending = read.doc.pendingMoves ?? [];
    // Cheap with the cache (a 304): a changed rollout means another step finished this intent or replaced it.
    const unchanged = async () => (await readRollout(deps.store, read.doc.id, cache))?.etag === read.etag;
    let outcomes: MoveOutcome[] = [];
    if (pending.length > 0) {
      requireRolloutKey(read.doc, keyId, operation);
      if (!(await unchanged())) return { outcomes, cleared: false };
      try {
        outcomes = await moveRolloutPointers({ ...moveDeps, stillCurrent: unchanged }, read.doc.revision, pending);
      } catch (err) {
        // Another writer changed the rollout while these pointers moved: it finishes or replaces this intent.
        if (isDriftlessError(err, 'RolloutConflict')) return { outcomes, cleared: false };
        throw err;
      }
    }
    // A racing step that finished first appended these entries: not twice (a crash before the clear still may).
    if (!(await unchanged())) return { outcomes, cleared: false };
    // After the moves, so an entry never names a move that did not happen.
    await deps.audit.append(read.doc.pendingAudit ?? []);
    const clusters = { ...read.doc.clusters };
    for (const o of outcomes) {
      const c = clusters[o.move.cluster];
      if (c) clusters[o.move.cluster] = { ...c, generation: o.memo.generation };
    }
    const cleared = await casRollout(deps.store, withIntent({ ...read.doc, clusters }, [], []), read.etag, cache);
    return { outcomes, cleared: cleared !== undefined };
  };

  const commit = async (read: Versioned<Rollout>, t: Transition, operation = 'step'): Promise<MoveOutcome[] | undefined> => {
    // A crashed step's intent stays in the log with the new one.
    const moves = [...(read.doc.pendingMoves ?? []), ...t.moves];
    if (moves.length > 0) requireRolloutKey(read.doc, keyId, operation);
    const next = withIntent(t.state, moves, [...(read.doc.pendingAudit ?? []), ...t.audit]);
    const etag = await casRollout(deps.store, next, read.etag, cache);
    if (etag === undefined) return undefined;
    if (!hasIntent(next)) return [];
    // A lost clear means another step finished this intent too: it is done either way.
    return (await finish({ doc: next, etag }, operation)).outcomes;
  };

  const freezeOf = async (): Promise<Pick<Observations, 'freeze'>> => {
    const freeze = await readFreeze(deps.store);
    return freeze ? { freeze: { actor: freeze.actor, at: freeze.at, reason: freeze.reason } satisfies ActionRecord } : {};
  };

  const observe = async (clusters: Iterable<string>): Promise<Observations> => {
    const freeze = await freezeOf();
    return { statuses: await observer.observe(clusters), ...freeze };
  };

  /**
   * A step's observations: the freeze, the statuses of the rollout's clusters
   * and, with checks, the metrics its gates read. `read`: this run's metric
   * reads so far: a CAS retry reuses them rather than spend another budget
   * (a subject new since is skipped for this step).
   */
  const observeRollout = async (rollout: Rollout, signal: AbortSignal | undefined, read: MetricRead | undefined): Promise<{ obs: Observations; read?: MetricRead }> => {
    const reading = readMetrics && rollout.plan.checks.length > 0 ? (read ? Promise.resolve(reusedRead(read, rollout)) : readMetrics(rollout, signal).then(logCutShort)) : undefined;
    const [obs, metrics] = await Promise.all([observe(Object.keys(rollout.clusters)), reading]);
    return metrics ? { obs: { ...obs, metrics: metrics.readings }, read: metrics } : { obs };
  };

  const logCutShort = (read: MetricRead): MetricRead => {
    if (read.cutShort !== undefined) log({ level: 'warn', msg: 'metric reads cut short', ...read.counts, reason: read.cutShort });
    return read;
  };

  /**
   * Runs `decide` on the current rollout until its transition is written;
   * `command`: a person's, which must never be dropped (and is refused when
   * `expectRolloutId` is no longer current, see CommandOptions).
   */
  const run = async (operation: string, decide: (rollout: Rollout, obs: Observations) => Transition, opts: RunOptions = {}): Promise<StepReport> => {
    const { command = false, signal } = opts;
    const done: MoveOutcome[] = [];
    // Set once another writer changed the rollout under this call: that writer is alive and finishes its own intent.
    let raced = false;
    // Metrics are read once per call, not per CAS attempt: one budget, and the source not asked again for the same step.
    let metricRead: MetricRead | undefined;
    for (let attempt = 0; attempt < ROLLOUT_CAS_ATTEMPTS; attempt++) {
      signal?.throwIfAborted();
      const read = await readCurrentRolloutDocument(deps.store, cache);
      if (!read) return { moved: 0, reverted: 0, changed: false };
      // Before anything, a crashed writer's intent included: none of it is this person's to finish.
      requireExpectedRollout(read.doc, operation, opts.expectRolloutId);
      // Even a step that only records verdicts: its audit entries must be signed like the rest.
      requireRolloutKey(read.doc, keyId, operation);
      requireMetrics(read.doc, operation);
      if (hasIntent(read.doc)) {
        // Finishing a live writer's intent too would append its audit entries twice; a crashed one's is finished by the next step.
        if (raced && !command) return report(read.doc, { statuses: new Map(), ...(await freezeOf()) }, done, false);
        const finished = await finish(read, operation);
        done.push(...finished.outcomes);
        raced = !finished.cleared;
        continue;
      }
      // A person's command changes no gate: only a step reads the metrics.
      const observed = command ? { obs: await observe(Object.keys(read.doc.clusters)) } : await observeRollout(read.doc, signal, metricRead);
      const obs = observed.obs;
      metricRead = observed.read ?? metricRead;
      // A replica that lost its lease while reading must not write what it decided.
      signal?.throwIfAborted();
      const t = decide(read.doc, obs);
      if (!t.changed) return report(read.doc, obs, done, false, metricRead);
      const outcomes = await commit(read, t, operation);
      raced = outcomes === undefined;
      if (outcomes === undefined) continue;
      done.push(...outcomes);
      return report(t.state, obs, done, true, metricRead);
    }
    const current = await readCurrentRolloutDocument(deps.store);
    throw rolloutConflict(current?.doc.id ?? 'current');
  };

  /**
   * Records a halt without a key and without the step that follows other
   * commands: nothing moves while halted. The intent log stays for a step
   * with the key (its moves name bundles the rollout released already); only
   * the halt's own audit entries are appended (signed with this run's key, if any).
   */
  const halt = async (cmd: RolloutCommand, expectRolloutId: string | undefined): Promise<StepReport> => {
    for (let attempt = 0; attempt < ROLLOUT_CAS_ATTEMPTS; attempt++) {
      const read = await readCurrentRolloutDocument(deps.store, cache);
      if (!read) throw noRollout(cmd);
      requireExpectedRollout(read.doc, cmd.kind, expectRolloutId);
      const t = deps.machine.command(read.doc, cmd, deps.clock.now());
      const obs = { statuses: new Map(), ...(await freezeOf()) };
      if (!t.changed) return report(read.doc, obs, [], false);
      const moves = [...(read.doc.pendingMoves ?? []), ...t.moves];
      const earlier = read.doc.pendingAudit ?? [];
      const etag = await casRollout(deps.store, withIntent(t.state, moves, [...earlier, ...t.audit]), read.etag, cache);
      if (etag === undefined) continue;
      await deps.audit.append(t.audit);
      // Lost: another writer carried these drafts on or appended them; a duplicate at worst.
      await casRollout(deps.store, withIntent(t.state, moves, earlier), etag, cache);
      return report(t.state, obs, [], true);
    }
    throw rolloutConflict(cmd.kind);
  };

  /**
   * Marks rollout `id` Superseded by `byId`. Its intent log's pointer moves are
   * dropped, not made: the newer release moves those clusters when their ring
   * opens for it (so a compile never needs the old rollout's key), while its
   * audit drafts and the supersede's own are appended, then cleared. A
   * superseded rollout whose drafts a crash left behind is finished here when
   * the compile runs again, since no step reads it any more.
   */
  const retire = async (id: string, byId: string): Promise<void> => {
    for (let attempt = 0; attempt < ROLLOUT_CAS_ATTEMPTS; attempt++) {
      const read = await readRollout(deps.store, id);
      if (!read) return;
      const t = deps.machine.supersede(read.doc, byId, deps.clock.now());
      const drafts = [...(read.doc.pendingAudit ?? []), ...(t.changed ? t.audit : [])];
      if (!t.changed && !hasIntent(read.doc)) return;
      const etag = await casRollout(deps.store, withIntent(t.state, [], drafts), read.etag);
      if (etag === undefined) continue;
      await deps.audit.append(drafts);
      // Lost: another writer finished these drafts too (a duplicate at worst, never a loss).
      await casRollout(deps.store, withIntent(t.state, [], []), etag);
      return;
    }
    throw rolloutConflict(id);
  };

  const step = (signal?: AbortSignal) => run('step', (rollout, obs) => deps.machine.step(rollout, obs, deps.clock.now()), signal ? { signal } : {});

  return {
    commit,
    step,
    async command(cmd, opts = {}) {
      const read = await readCurrentRolloutDocument(deps.store, cache);
      if (!read) throw noRollout(cmd);
      const { expectRolloutId } = opts;
      if (cmd.kind === 'halt') return halt(cmd, expectRolloutId);
      await run(cmd.kind, (rollout) => deps.machine.command(rollout, cmd, deps.clock.now()), { command: true, ...(expectRolloutId === undefined ? {} : { expectRolloutId }) });
      return step();
    },
    async start(release, statefulKeys) {
      // Before the running rollout is superseded: a refused start changes nothing.
      requireMetricSource(release.plan, deps.metrics, { subject: `rollout ${release.id}`, operation: 'start', rollout: release.id });
      const started = await startRelease({ ...deps, observe, retire }, release, statefulKeys);
      return started ? step() : undefined;
    },
    async status() {
      const read = await readCurrentRolloutDocument(deps.store);
      if (!read) return undefined;
      const freeze = await readFreeze(deps.store);
      return { rollout: read.doc, summary: summarizeRolloutWithFreeze(read.doc, freeze) };
    },
  };
}

/** What `run` is asked beside its decision: a person's command (and the rollout it is for), or a step's abort signal. */
interface RunOptions extends CommandOptions {
  readonly command?: boolean;
  readonly signal?: AbortSignal;
}

/** Throws RolloutSuperseded when `expected` is given and `current` is another rollout. */
function requireExpectedRollout(current: Rollout, operation: string, expected: string | undefined): void {
  if (expected === undefined || current.id === expected) return;
  throw new DriftlessError('RolloutSuperseded', `rollout ${expected} ${operation} failed: rollout ${current.id} is current now (a newer release superseded it); nothing was done, look at rollout ${current.id} and decide again`, {
    rollout: expected,
    current: current.id,
  });
}

/** `state` with `moves` and `audit` as its intent log (each absent when empty). */
function withIntent(state: Rollout, moves: readonly PointerMove[], audit: readonly AuditDraft[]): Rollout {
  const { pendingMoves: _m, pendingAudit: _a, ...rest } = state;
  return { ...rest, ...(moves.length > 0 ? { pendingMoves: [...moves] } : {}), ...(audit.length > 0 ? { pendingAudit: [...audit] } : {}) };
}

function hasIntent(rollout: Rollout): boolean {
  return (rollout.pendingMoves?.length ?? 0) > 0 || (rollout.pendingAudit?.length ?? 0) > 0;
}

function noRollout(cmd: RolloutCommand): DriftlessError<'RolloutCommandRefused'> {
  return new DriftlessError('RolloutCommandRefused', `rollout ${cmd.kind} failed: no rollout was ever started in this store`, { rollout: '', command: cmd.kind });
}

/**
 * A release published with a signing key keeps its pointers signed by that
 * key: a pointer signed otherwise (or not) is refused by the agents that
 * verify, stranding their clusters, and the rollout's audit entries are
 * signed with the same key. So a step, approve or resume (`operation`) without
 * it is refused before anything is written (stalled SigningKeyRequired, exit 2).
 */
function requireRolloutKey(rollout: Rollout, keyId: string | undefined, operation: string): void {
  const expected = rollout.signingKeyId;
  if (expected === undefined || keyId === expected) return;
  const given = keyId === undefined ? 'this run has no signing key' : `this run's key is ${keyId}`;
  throw new DriftlessError(
    'SigningKeyRequired',
    `rollout ${rollout.id} ${operation} failed: this rollout's pointers are signed by key ${expected}; pass --sign-key with that key (${given}; nothing was written)`,
    { rollout: rollout.id, keyId: expected, given: keyId ?? 'none' },
  );
}

function report(state: Rollout, obs: Observations, done: readonly MoveOutcome[], changed: boolean, metrics?: MetricRead): StepReport {
  const wrote = done.filter((o) => o.wrote);
  return {
    rollout: state.id,
    phase: state.phase,
    moved: wrote.filter((o) => o.move.reason === 'wave').length,
    reverted: wrote.filter((o) => o.move.reason === 'revert').length,
    changed,
    ...(state.halt ? { halted: { actor: state.halt.actor, reason: state.halt.reason, ...(state.halt.ring ? { ring: state.halt.ring } : {}) } } : {}),
    ...(obs.freeze ? { frozen: { actor: obs.freeze.actor, reason: obs.freeze.reason } } : {}),
    ...(metrics ? { metricReads: metrics.counts } : {}),
  };
}
