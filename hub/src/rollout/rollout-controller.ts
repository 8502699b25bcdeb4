import type { KeyObject } from 'node:crypto';
import {
  DriftlessError,
  type ActionRecord,
  type ApplyRolloutCommand,
  type AuditDraft,
  type Clock,
  type ObjectStore,
  type Observations,
  type Release,
  type Rollout,
  type RolloutCommand,
  type StartRollout,
  type StepRollout,
  type SupersedeRollout,
  type Transition,
} from '@driftless/core';
import { quietLog, type HubLog } from '../hub-log.js';
import { moveRolloutPointers, type MoveOutcome } from './rollout-moves.js';
import { readFreeze } from '../control/freeze.js';
import { casRollout, readCurrentRolloutDocument, rolloutConflict, ROLLOUT_CAS_ATTEMPTS, type RolloutCache, type Versioned } from './rollout-store.js';
import { createStatusObserver, type StatusObserver } from './status-observer.js';
import { startRelease } from './rollout-start.js';
import { summarizeRolloutWithFreeze, type RolloutSummary } from './rollout-summary.js';

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
}

/** The rollout controller (see createRolloutController). */
export interface RolloutController {
  /** One idempotent step of the current rollout. */
  step(): Promise<StepReport>;
  /** Applies a person's command (a refused one throws the stalled RolloutCommandRefused), then steps. */
  command(cmd: RolloutCommand): Promise<StepReport>;
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
   * Writes `next` (a transition of the rollout read at `etag`) with its moves as
   * intent, moves the pointers, records generations and appends `audit`: what
   * step, command and a compile's start share. Undefined when `etag` is stale.
   */
  commit(read: Versioned<Rollout>, t: Transition): Promise<MoveOutcome[] | undefined>;
}

/**
 * The hub's rollout controller over the store (DESIGN.md, Delivery). A step
 * first finishes pointer moves a crashed step left in the rollout's intent log
 * (`pendingMoves`), then reads the freeze and the agents' statuses, runs the
 * state machine and, when the state changed, writes it compare-and-swap with
 * its moves as intent before moving any pointer, moves them, and clears the
 * intent recording each cluster's pointer generation. Of several controllers
 * stepping at once exactly one wins each version; the others re-read and
 * decide again (then RolloutConflict after ROLLOUT_CAS_ATTEMPTS). Audit
 * drafts are appended by the winner only, after its write.
 */
export function createRolloutController(deps: RolloutControllerDeps): RolloutController {
  const log = deps.log ?? quietLog;
  const observer = deps.observer ?? createStatusObserver(deps.store, { log });
  const moveDeps = { ...deps, log };
  // The document as this controller last read or wrote it: an unchanged one costs a 304.
  const cache: RolloutCache = {};

  /** Moves the intent log's pointers, then clears it recording generations; `cleared` false when another writer changed the rollout first. */
  const finish = async (read: Versioned<Rollout>): Promise<{ outcomes: MoveOutcome[]; cleared: boolean }> => {
    const pending = read.doc.pendingMoves ?? [];
    refuseUnsigned(read.doc, pending.length, deps.signingKey);
    const outcomes = await moveRolloutPointers(moveDeps, read.doc.revision, pending);
    const clusters = { ...read.doc.clusters };
    for (const o of outcomes) {
      const c = clusters[o.move.cluster];
      if (c) clusters[o.move.cluster] = { ...c, generation: o.memo.generation };
    }
    const { pendingMoves: _done, ...rest } = read.doc;
    const cleared = await casRollout(deps.store, { ...rest, clusters }, read.etag, cache);
    return { outcomes, cleared: cleared !== undefined };
  };

  const commit = async (read: Versioned<Rollout>, t: Transition): Promise<MoveOutcome[] | undefined> => {
    // Moves a crashed step left stay in the intent log with the new ones.
    const pending = [...(read.doc.pendingMoves ?? []), ...t.moves];
    const { pendingMoves: _old, ...state } = t.state;
    const next: Rollout = pending.length > 0 ? { ...state, pendingMoves: pending } : state;
    const etag = await casRollout(deps.store, next, read.etag, cache);
    if (etag === undefined) return undefined;
    await deps.audit.append(t.audit);
    if (pending.length === 0) return [];
    // A lost clear means another step finished these moves too: they are done either way.
    return (await finish({ doc: next, etag })).outcomes;
  };

  const observe = async (clusters: Iterable<string>): Promise<Observations> => {
    const freeze = await readFreeze(deps.store);
    const statuses = await observer.observe(clusters);
    return { statuses, ...(freeze ? { freeze: { actor: freeze.actor, at: freeze.at, reason: freeze.reason } satisfies ActionRecord } : {}) };
  };

  const run = async (decide: (rollout: Rollout, obs: Observations) => Transition): Promise<StepReport> => {
    const done: MoveOutcome[] = [];
    for (let attempt = 0; attempt < ROLLOUT_CAS_ATTEMPTS; attempt++) {
      const read = await readCurrentRolloutDocument(deps.store, cache);
      if (!read) return { moved: 0, reverted: 0, changed: false };
      if (read.doc.pendingMoves?.length) {
        done.push(...(await finish(read)).outcomes);
        continue;
      }
      const obs = await observe(Object.keys(read.doc.clusters));
      const t = decide(read.doc, obs);
      if (!t.changed) return report(read.doc, obs, done, false);
      refuseUnsigned(read.doc, t.moves.length, deps.signingKey);
      const outcomes = await commit(read, t);
      if (outcomes === undefined) continue;
      done.push(...outcomes);
      return report(t.state, obs, done, true);
    }
    const current = await readCurrentRolloutDocument(deps.store);
    throw rolloutConflict(current?.doc.id ?? 'current');
  };

  return {
    commit,
    step: () => run((rollout, obs) => deps.machine.step(rollout, obs, deps.clock.now())),
    async command(cmd) {
      const read = await readCurrentRolloutDocument(deps.store);
      if (!read) throw new DriftlessError('RolloutCommandRefused', `rollout ${cmd.kind} failed: no rollout was ever started in this store`, { rollout: '', command: cmd.kind });
      await run((rollout) => deps.machine.command(rollout, cmd, deps.clock.now()));
      return run((rollout, obs) => deps.machine.step(rollout, obs, deps.clock.now()));
    },
    async start(release, statefulKeys) {
      const started = await startRelease({ ...deps, observe, commit }, release, statefulKeys);
      return started ? run((rollout, obs) => deps.machine.step(rollout, obs, deps.clock.now())) : undefined;
    },
    async status() {
      const read = await readCurrentRolloutDocument(deps.store);
      if (!read) return undefined;
      const freeze = await readFreeze(deps.store);
      return { rollout: read.doc, summary: summarizeRolloutWithFreeze(read.doc, freeze) };
    },
  };
}

/**
 * A release published with a signing key must keep its pointers signed: a
 * step without the key would write pointers that verifying agents refuse,
 * stranding their clusters. Refused before anything is written (stalled
 * PublishRefused), so the step can simply be run again with --sign-key.
 */
function refuseUnsigned(rollout: Rollout, moves: number, signingKey: KeyObject | undefined): void {
  if (moves === 0 || !rollout.signed || signingKey) return;
  throw new DriftlessError(
    'PublishRefused',
    `rollout ${rollout.id} step failed: its pointers are signed and this run has no signing key; agents that verify signatures would refuse an unsigned pointer, so pass --sign-key (nothing was moved)`,
    { clusters: [] },
  );
}

function report(state: Rollout, obs: Observations, done: readonly MoveOutcome[], changed: boolean): StepReport {
  const wrote = done.filter((o) => o.wrote);
  return {
    rollout: state.id,
    phase: state.phase,
    moved: wrote.filter((o) => o.move.reason === 'wave').length,
    reverted: wrote.filter((o) => o.move.reason === 'revert').length,
    changed,
    ...(state.halt ? { halted: { actor: state.halt.actor, reason: state.halt.reason, ...(state.halt.ring ? { ring: state.halt.ring } : {}) } } : {}),
    ...(obs.freeze ? { frozen: { actor: obs.freeze.actor, reason: obs.freeze.reason } } : {}),
  };
}
