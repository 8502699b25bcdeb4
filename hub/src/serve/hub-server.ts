import { EventEmitter } from 'node:events';
import type { Clock, ObjectStore, RepositorySource } from '@driftless/core';
import { quietLog, type HubLog } from '../hub-log.js';
import { createHubLease, DEFAULT_HUB_LEASE_MS, type HubLease } from './hub-lease.js';
import { createWaker, repeatWhileActive } from './repeat.js';

/** What `compile` is asked to publish: the ref and the commit a ref listing found there. */
export interface CompileTarget {
  readonly repo: string;
  readonly ref?: string;
  readonly commit: string;
}

/** What {@link createHubServer} is given; every action is injected, so the loop is a function of the clock. */
export interface HubServerDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** Asked for the ref's commit every poll (`resolveRef`, no fetch); `compile` fetches. */
  readonly source: Pick<RepositorySource, 'resolveRef'>;
  readonly repo: string;
  readonly ref?: string;
  /** This replica's name in the lease. */
  readonly identity: string;
  /** Compiles and publishes the commit (the hub's compile, which fetches once). */
  readonly compile: (target: CompileTarget) => Promise<unknown>;
  /** One step of the rollouts. */
  readonly step: () => Promise<unknown>;
  /** Renews pointers that expire soon; absent without a signing key. */
  readonly resign?: () => Promise<unknown>;
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
}

/** Events a running server emits after each action (for tests and the CLI's log); each carries the ActionRun. */
export type HubServerEvents = {
  poll: [{ commit?: string; compiled: boolean; run: ActionRun }];
  step: [ActionRun];
  resign: [ActionRun];
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
  /** Stops every loop, waits for the actions under way, and releases the lease so a standby takes over at once. */
  stop(): Promise<void>;
}

/**
 * The `hub serve` loop. Only the lease holder acts: it lists the ref each
 * poll and compiles when the commit differs from the last one compiled
 * (a new holder compiles the head once, which publishes nothing new if
 * another replica did), steps rollouts, and re-signs pointers. A failing
 * action is logged and retried after its interval, doubling up to
 * `maxBackoffMs` while it keeps failing; no error stops a loop.
 */
export function createHubServer(deps: HubServerDeps): HubServer {
  const clock = deps.clock;
  const log = deps.log ?? quietLog;
  const lease = createHubLease({ store: deps.store, clock, identity: deps.identity, leaseMs: deps.leaseMs ?? DEFAULT_HUB_LEASE_MS });
  const events = new EventEmitter<HubServerEvents>();
  const stopping = new AbortController();
  const running: Promise<void>[] = [];
  const at = (): string => new Date(clock.now()).toISOString();
  let compiled: string | undefined;
  let lastCompile: HubHealth['lastCompile'] = null;
  let lastStep: ActionRun | null = null;
  let lastResign: ActionRun | null = null;
  const waker = createWaker();

  const failed = (action: string, err: unknown): ActionRun => {
    const error = err instanceof Error ? err.message : String(err);
    log({ level: 'error', msg: `hub serve ${action} failed: ${error}`, action, ...(isCoded(err) ? { code: err.code } : {}) });
    return { at: at(), ok: false, error };
  };

  const poll = async (): Promise<boolean> => {
    let commit: string | undefined;
    try {
      commit = await deps.source.resolveRef({ repo: deps.repo, ...(deps.ref === undefined ? {} : { ref: deps.ref }) });
      if (commit === compiled) {
        events.emit('poll', { commit, compiled: false, run: { at: at(), ok: true } });
        return true;
      }
      await deps.compile({ repo: deps.repo, ...(deps.ref === undefined ? {} : { ref: deps.ref }), commit });
      compiled = commit;
      lastCompile = { at: at(), ok: true, commit };
      log({ level: 'info', msg: 'hub serve compiled', commit });
      events.emit('poll', { commit, compiled: true, run: lastCompile });
      return true;
    } catch (err) {
      const run = failed(commit === undefined ? 'poll' : 'compile', err);
      if (commit !== undefined) lastCompile = { ...run, commit };
      events.emit('poll', { ...(commit === undefined ? {} : { commit }), compiled: false, run });
      return false;
    }
  };

  const action = (name: 'step' | 'resign', run: () => Promise<unknown>, record: (r: ActionRun) => void) => async (): Promise<boolean> => {
    let result: ActionRun;
    try {
      await run();
      result = { at: at(), ok: true };
    } catch (err) {
      result = failed(name, err);
    }
    record(result);
    events.emit(name, result);
    return result.ok;
  };

  const every = (everyMs: number, run: () => Promise<boolean>, withWaker = false): Promise<void> =>
    repeatWhileActive({
      clock,
      everyMs,
      maxBackoffMs: deps.maxBackoffMs ?? 300_000,
      stop: stopping.signal,
      active: () => lease.isActive(),
      run,
      ...(withWaker ? { waker } : {}),
    });

  const leaseLoop = async (): Promise<void> => {
    // What we last reported: a hold can end between two attempts, by time alone.
    let was = false;
    while (!stopping.signal.aborted) {
      await lease.tryAcquireOrRenew().catch((err: unknown) => failed('lease renew', err));
      const now = lease.isActive();
      if (now !== was) {
        was = now;
        log({ level: 'info', msg: now ? 'hub serve lease taken: active' : 'hub serve lease lost: standing by', holder: lease.holder() ?? null });
        events.emit('lease', { active: now });
        // A new holder does not know what was compiled while it stood by: look at once, and compile the head.
        if (now) {
          compiled = undefined;
          waker.wake();
        }
      }
      await clock.sleep(lease.leaseMs / 3, stopping.signal);
    }
  };

  return {
    events,
    lease,
    start(): void {
      running.push(leaseLoop(), every(deps.pollMs ?? 30_000, poll, true), every(deps.stepMs ?? 5_000, action('step', deps.step, (r) => (lastStep = r))));
      const resign = deps.resign;
      if (resign) running.push(every(deps.resignMs ?? 3_600_000, action('resign', resign, (r) => (lastResign = r))));
    },
    pollNow: () => waker.wake(),
    health: () => ({ identity: deps.identity, active: lease.isActive(), holder: lease.holder() ?? null, lastCompile, lastStep, lastResign }),
    async stop(): Promise<void> {
      stopping.abort();
      await Promise.all(running);
      await lease.release().catch((err: unknown) => failed('lease release', err));
    },
  };
}

function isCoded(err: unknown): err is { code: string } {
  return typeof (err as { code?: unknown } | null)?.code === 'string';
}
