import type { Clock } from '@driftless/core';
import type { LeaderElector } from './leader.js';
import type { LogEvent } from './summarize.js';

/** How often a leader renews its lease, ms: a third of the default 15 s lease, as client-go does. */
const RENEW_EVERY_MS = 5_000;

/**
 * How long a pass may go on without a successful renewal, ms, counted on our
 * own clock from the start of the last renewal that succeeded (client-go's
 * renewDeadline). Well under the 15 s lease: a standby may take over 15 s
 * after it last saw the lease change, so a leader whose renewals hang stops
 * writing before then (a lease request itself times out after 5 s).
 */
export const RENEW_DEADLINE_MS = 10_000;

/**
 * The agent's view of leader election. Without an elector it always holds
 * the lease. Losing the lease is never an error: a pass sees it as its signal
 * aborting, and ends as standby.
 */
export interface Lease {
  /** Takes or renews the lease; resolves whether we hold it. A failed attempt is logged and counts as not holding it. */
  hold(): Promise<boolean>;
  /**
   * Runs `pass` with a signal that aborts once the lease is lost, renewing the
   * lease every 5 s meanwhile; the lease counts as lost too once no renewal
   * has succeeded for {@link RENEW_DEADLINE_MS} (a hung request is then not
   * waited for). Resolves `lost` when it was lost by the time the pass (and
   * any renewal in flight) ended. Without an elector the signal is undefined.
   */
  during<T>(pass: (signal: AbortSignal | undefined) => Promise<T>): Promise<T | 'lost'>;
  /** Sleeps `ms` (ending early on `signal`), renewing a held lease often enough that it never lapses. */
  pause(ms: number, signal: AbortSignal): Promise<void>;
  /** Hands the lease over at once (stopping) instead of making the next leader wait it out; a failure is logged. */
  release(): Promise<void>;
}

/** What a Lease needs besides its elector. */
export interface LeaseDeps {
  readonly clock: Clock;
  readonly cluster: string;
  readonly log: (event: LogEvent) => void;
  /** Called when we take the lease that did not name us (a new term: another pod may have led meanwhile), before anything runs in it. */
  readonly onNewTerm?: () => void;
}

/** The Lease over `leader` (or none), logging transitions and failures as `cluster`. */
export function createLease(leader: LeaderElector | undefined, deps: LeaseDeps): Lease {
  const { clock, cluster, log } = deps;
  // When the last renewal that succeeded started, by our clock: the lease's renewTime is at or after it.
  let renewedAt = Number.NEGATIVE_INFINITY;
  const hold = async (): Promise<boolean> => {
    if (!leader) return true;
    const was = leader.isLeader();
    const term = leader.terms();
    const started = clock.now();
    const now = await leader.tryAcquireOrRenew().catch((err: unknown) => {
      log({ level: 'error', msg: 'leader election failed', cluster, error: (err as Error).message });
      return false;
    });
    if (now) renewedAt = started;
    if (now !== was) log({ level: 'info', msg: now ? 'became leader' : 'lost leadership', cluster });
    if (leader.terms() !== term) deps.onNewTerm?.();
    return now;
  };
  /**
   * Aborts `lost` once no renewal has succeeded for the renew deadline; ends
   * early when `stop` aborts. Past the deadline after the pass ended
   * (`passDone`) it just ends: the pass completed, so it is not lost.
   */
  const watchDeadline = async (lost: AbortController, stop: AbortSignal, passDone: AbortSignal): Promise<void> => {
    while (!stop.aborted && !lost.signal.aborted) {
      const left = renewedAt + RENEW_DEADLINE_MS - clock.now();
      if (left <= 0) {
        if (passDone.aborted) return;
        log({ level: 'warn', msg: 'lease not renewed within the renew deadline: stopping the pass', cluster, renewDeadlineMs: RENEW_DEADLINE_MS });
        return lost.abort();
      }
      await clock.sleep(left, stop);
    }
  };
  return {
    hold,
    async during(pass) {
      if (!leader) return pass(undefined);
      const lost = new AbortController();
      const passDone = new AbortController();
      const renewalsDone = new AbortController();
      const renewing = (async () => {
        for (;;) {
          await clock.sleep(RENEW_EVERY_MS, passDone.signal);
          if (passDone.signal.aborted || lost.signal.aborted) return;
          if (!(await hold())) return lost.abort();
        }
      })().finally(() => renewalsDone.abort());
      // Ends when the renewals do, or at the deadline: a renewal hung past it is left to its request timeout.
      const watching = watchDeadline(lost, renewalsDone.signal, passDone.signal);
      let result;
      try {
        result = await pass(lost.signal);
      } finally {
        passDone.abort();
        await Promise.race([renewing, watching]);
      }
      return lost.signal.aborted ? 'lost' : result;
    },
    async pause(ms, signal) {
      const renewEvery = leader ? RENEW_EVERY_MS : ms;
      for (let left = ms; left > 0 && !signal.aborted; left -= renewEvery) {
        await clock.sleep(Math.min(left, renewEvery), signal);
        if (left > renewEvery && !signal.aborted && leader?.isLeader()) await hold();
      }
    },
    async release() {
      await leader?.release().catch((err: unknown) => {
        log({ level: 'error', msg: 'lease release failed', cluster, error: (err as Error).message });
      });
    },
  };
}
