import { EventEmitter } from 'node:events';
import type { BranchListing, Clock, ObjectStore, RepositorySource } from '@driftless/core';
import { quietLog, type HubLog } from '../hub-log.js';
import { createHubLease, DEFAULT_HUB_LEASE_MS, type HubLease } from './hub-lease.js';
import { watchLease } from './lease-term.js';
import { createWaker, repeatWhileActive, type Waker } from './repeat.js';

/** What `compile` is asked to publish: the ref and the commit a ref listing found there. */
export interface CompileTarget {
  readonly repo: string;
  readonly ref?: string;
  readonly commit: string;
}

/** What a compile reports back that the loop reads: the commit it actually published (it fetches the ref again). */
export interface CompileOutcome {
  readonly revision?: string;
}

/**
 * What {@link createHubServer} is given; every action is injected, so the loop
 * is a function of the clock. Each action gets an AbortSignal, aborted when
 * the lease is lost or the server stops: it should stop at its next safe
 * point (between steps) and reject.
 */
export interface HubServerDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /**
   * Asked for the ref's commit every poll (`resolveRef`, no fetch; with
   * `previews`, one `listBranches` instead, `resolveRef` only for a ref that
   * is not a branch); `compile` fetches.
   */
  readonly source: Pick<RepositorySource, 'resolveRef' | 'listBranches'>;
  readonly repo: string;
  readonly ref?: string;
  /** This replica's name in the lease. */
  readonly identity: string;
  /**
   * Compiles and publishes the target (the hub's compile, which fetches
   * once). When it resolves with the `revision` it published and that is not
   * `target.commit` (the ref moved between the listing and the fetch), the
   * loop logs it and counts that revision as compiled.
   */
  readonly compile: (target: CompileTarget, signal: AbortSignal) => Promise<CompileOutcome | void>;
  /**
   * The preview cycle, run every poll after the base is compiled (cheap when
   * nothing changed), given that poll's branch listing. Absent, the poll
   * lists only the ref. Its failure is logged and shows in health as
   * `lastPreviews`; it never stops the loop nor delays the next poll.
   */
  readonly previews?: (listing: BranchListing, signal: AbortSignal) => Promise<unknown>;
  /** One step of the rollouts. */
  readonly step: (signal: AbortSignal) => Promise<unknown>;
  /** Renews pointers that expire soon; absent without a signing key. */
  readonly resign?: (signal: AbortSignal) => Promise<unknown>;
  readonly log?: HubLog;
  /** Between ref listings, ms. Default 30 000. */
  readonly pollMs?: number;
  /** Between rollout steps, ms. Default 5 000. */
  readonly stepMs?: number;
  /** Between re-sign runs, ms. Default 3 600 000. */
  readonly resignMs?: number;
  /** The lease duration, ms; renewed every third of it. Default DEFAULT_HUB_LEASE_MS. */
  readonly leaseMs?: number;
  /** Longest wait after repeated failures of one action, ms. Default 300 000 (never shorter than its interval). */
  readonly maxBackoffMs?: number;
  /** How long stop() waits for aborted actions to settle before it releases the lease anyway, ms. Default a third of the lease. */
  readonly stopGraceMs?: number;
}

/** The last run of an action: when, and the error when it failed. */
export interface ActionRun {
  /** ISO 8601. */
  readonly at: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** What GET /healthz answers. */
export interface HubHealth {
  readonly identity: string;
  readonly active: boolean;
  readonly holder: string | null;
  readonly lastCompile: (ActionRun & { commit: string }) | null;
  readonly lastStep: ActionRun | null;
  readonly lastResign: ActionRun | null;
  /** The last preview cycle; null until one ran (always, without previews). */
  readonly lastPreviews: ActionRun | null;
}

/** Events a running server emits after each action (for tests and the CLI's log); each carries the ActionRun. */
export type HubServerEvents = {
  poll: [{ commit?: string; compiled: boolean; run: ActionRun }];
  step: [ActionRun];
  resign: [ActionRun];
  previews: [ActionRun];
  lease: [{ active: boolean }];
};

/** A `hub serve` replica: loops driven by the clock, started and stopped. */
export interface HubServer {
  readonly events: EventEmitter<HubServerEvents>;
  readonly lease: HubLease;
  /** Starts the lease, poll, step and re-sign loops. */
  start(): void;
  /** Polls at once (a push webhook), or right after the poll under way. */
  pollNow(): void;
  health(): HubHealth;
  /**
   * Stops every loop, aborts the actions under way (their signal), waits for
   * them at most `stopGraceMs`, and releases the lease so a standby takes over at once.
   */
  stop(): Promise<void>;
}

/** What the loops of one server share. */
interface Loop {
  readonly deps: HubServerDeps;
  readonly clock: Clock;
  readonly log: HubLog;
  readonly lease: HubLease;
  readonly events: EventEmitter<HubServerEvents>;
  readonly stopping: AbortController;
  readonly waker: Waker;
  /** The signal of the current term (aborted when it ends), undefined while standing by. */
  term: AbortSignal | undefined;
  compiled: string | undefined;
  lastCompile: HubHealth['lastCompile'];
  lastStep: ActionRun | null;
  lastResign: ActionRun | null;
  lastPreviews: ActionRun | null;
}

const isoNow = (loop: Loop): string => new Date(loop.clock.now()).toISOString();

/** The signal an action started now gets: aborted on stop and when the current term ends. */
function actionSignal(loop: Loop): AbortSignal {
  return loop.term === undefined ? AbortSignal.abort(new Error('hub serve is not active')) : AbortSignal.any([loop.stopping.signal, loop.term]);
}

function failed(loop: Loop, action: string, err: unknown): ActionRun {
  const error = err instanceof Error ? err.message : String(err);
  loop.log({ level: 'error', msg: `hub serve ${action} failed: ${error}`, action, ...(isCoded(err) ? { code: err.code } : {}) });
  return { at: isoNow(loop), ok: false, error };
}

/**
 * The ref's commit from one listing: `resolveRef`, or with previews one
 * `listBranches` (the ref's branch, else `resolveRef` for a tag, which also
 * gives the usual GitRefused for a ref that does not exist).
 */
async function listRef(loop: Loop): Promise<{ commit: string; listing?: BranchListing }> {
  const { deps } = loop;
  const ref = deps.ref === undefined ? {} : { ref: deps.ref };
  if (!deps.previews) return { commit: await deps.source.resolveRef({ repo: deps.repo, ...ref }) };
  const listing = await deps.source.listBranches({ repo: deps.repo });
  const commit = listing.branches.get(deps.ref ?? listing.defaultBranch) ?? (await deps.source.resolveRef({ repo: deps.repo, ...ref }));
  return { commit, listing };
}

/** One poll: list the ref; compile when its commit is not the one compiled last; then the previews. Resolves whether it succeeded. */
async function poll(loop: Loop): Promise<boolean> {
  const { deps } = loop;
  const ref = deps.ref === undefined ? {} : { ref: deps.ref };
  let commit: string | undefined;
  try {
    const listed = await listRef(loop);
    commit = listed.commit;
    if (commit === loop.compiled) {
      loop.events.emit('poll', { commit, compiled: false, run: { at: isoNow(loop), ok: true } });
    } else {
      const outcome = await deps.compile({ repo: deps.repo, ...ref, commit }, actionSignal(loop));
      const revision = outcome?.revision ?? commit;
      if (revision !== commit) loop.log({ level: 'warn', msg: 'hub serve compiled another commit than listed: the ref moved meanwhile', listed: commit, commit: revision });
      loop.compiled = revision;
      loop.lastCompile = { at: isoNow(loop), ok: true, commit: revision };
      loop.log({ level: 'info', msg: 'hub serve compiled', commit: revision });
      loop.events.emit('poll', { commit: revision, compiled: true, run: loop.lastCompile });
    }
    if (listed.listing) await runPreviews(loop, listed.listing);
    return true;
  } catch (err) {
    const run = failed(loop, commit === undefined ? 'poll' : 'compile', err);
    if (commit !== undefined) loop.lastCompile = { ...run, commit };
    loop.events.emit('poll', { ...(commit === undefined ? {} : { commit }), compiled: false, run });
    return false;
  }
}

/** The preview cycle of a poll whose base is compiled; its failure is recorded, never thrown (the poll itself succeeded). */
async function runPreviews(loop: Loop, listing: BranchListing): Promise<void> {
  const previews = loop.deps.previews;
  if (!previews) return;
  try {
    await previews(listing, actionSignal(loop));
    loop.lastPreviews = { at: isoNow(loop), ok: true };
  } catch (err) {
    loop.lastPreviews = failed(loop, 'previews', err);
  }
  loop.events.emit('previews', loop.lastPreviews);
}

/** A step or re-sign run: records and emits its ActionRun; resolves whether it succeeded. */
function action(loop: Loop, name: 'step' | 'resign', run: (signal: AbortSignal) => Promise<unknown>): () => Promise<boolean> {
  return async () => {
    let result: ActionRun;
    try {
      await run(actionSignal(loop));
      result = { at: isoNow(loop), ok: true };
    } catch (err) {
      result = failed(loop, name, err);
    }
    if (name === 'step') loop.lastStep = result;
    else loop.lastResign = result;
    loop.events.emit(name, result);
    return result.ok;
  };
}

function every(loop: Loop, everyMs: number, run: () => Promise<boolean>, withWaker = false): Promise<void> {
  return repeatWhileActive({
    clock: loop.clock,
    everyMs,
    maxBackoffMs: loop.deps.maxBackoffMs ?? 300_000,
    stop: loop.stopping.signal,
    active: () => loop.lease.isActive(),
    run,
    ...(withWaker ? { waker: loop.waker } : {}),
  });
}

/** Starts the lease loop and the action loops; returns their promises. */
function startLoops(loop: Loop): Promise<void>[] {
  const { deps } = loop;
  const onChange = (term: AbortSignal | undefined): void => {
    loop.term = term;
    loop.events.emit('lease', { active: term !== undefined });
    // A new holder does not know what was compiled while it stood by: look at once, and compile the head.
    if (term !== undefined) {
      loop.compiled = undefined;
      loop.waker.wake();
    }
  };
  const running = [
    watchLease({ lease: loop.lease, clock: loop.clock, log: loop.log, stop: loop.stopping.signal, onChange, failed: (a, err) => failed(loop, a, err) }),
    every(loop, deps.pollMs ?? 30_000, () => poll(loop), true),
    every(loop, deps.stepMs ?? 5_000, action(loop, 'step', deps.step)),
  ];
  if (deps.resign) running.push(every(loop, deps.resignMs ?? 3_600_000, action(loop, 'resign', deps.resign)));
  return running;
}

/** Aborts everything, waits for the loops at most the grace period (virtual time in tests), then releases the lease. */
async function stopLoops(loop: Loop, running: readonly Promise<void>[]): Promise<void> {
  loop.stopping.abort(new Error('hub serve stopping'));
  const grace = new AbortController();
  const graceMs = loop.deps.stopGraceMs ?? loop.lease.leaseMs / 3;
  // A flag, not a race against the promise: by the time the sleep wins or
  // loses, asking "is it settled?" with another race always answers no.
  let ended = false;
  const settled = Promise.all(running).finally(() => {
    ended = true;
    grace.abort();
  });
  await Promise.race([settled, loop.clock.sleep(graceMs, grace.signal)]);
  grace.abort();
  if (!ended) loop.log({ level: 'warn', msg: `hub serve stop: an action did not end within ${graceMs} ms of being aborted; releasing the lease anyway` });
  await loop.lease.release().catch((err: unknown) => failed(loop, 'lease release', err));
}

/**
 * The `hub serve` loop. Only the lease holder acts: it lists the ref each
 * poll (with `previews`, every branch in that one listing) and compiles when
 * the commit differs from the last one compiled, then runs the previews; a
 * new holder compiles the head once, which publishes nothing new if
 * another replica did. It steps rollouts, and re-signs pointers. A failing
 * action is logged and retried after its interval, doubling up to
 * `maxBackoffMs` while it keeps failing; no error stops a loop.
 */
export function createHubServer(deps: HubServerDeps): HubServer {
  const loop: Loop = {
    deps,
    clock: deps.clock,
    log: deps.log ?? quietLog,
    lease: createHubLease({ store: deps.store, clock: deps.clock, identity: deps.identity, leaseMs: deps.leaseMs ?? DEFAULT_HUB_LEASE_MS }),
    events: new EventEmitter<HubServerEvents>(),
    stopping: new AbortController(),
    waker: createWaker(),
    term: undefined,
    compiled: undefined,
    lastCompile: null,
    lastStep: null,
    lastResign: null,
    lastPreviews: null,
  };
  const running: Promise<void>[] = [];
  return {
    events: loop.events,
    lease: loop.lease,
    start: () => void running.push(...startLoops(loop)),
    pollNow: () => loop.waker.wake(),
    health: () => ({
      identity: deps.identity,
      active: loop.lease.isActive(),
      holder: loop.lease.holder() ?? null,
      lastCompile: loop.lastCompile,
      lastStep: loop.lastStep,
      lastResign: loop.lastResign,
      lastPreviews: loop.lastPreviews,
    }),
    stop: () => stopLoops(loop, running),
  };
}

function isCoded(err: unknown): err is { code: string } {
  return typeof (err as { code?: unknown } | null)?.code === 'string';
}
