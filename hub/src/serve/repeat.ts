import type { Clock } from '@driftless/core';

/** Cuts a {@link repeatWhileActive} wait short: a push webhook asking for a poll now. */
export interface Waker {
  /** Wakes the loop now, or makes it go again right after the run under way. */
  wake(): void;
  /** Whether a wake came since the loop last began a run (read and cleared by the loop). */
  take(): boolean;
  /** A fresh signal for the next wait, aborted by the next wake. */
  signal(): AbortSignal;
}

/** A {@link Waker}. */
export function createWaker(): Waker {
  let requested = false;
  let controller = new AbortController();
  return {
    wake(): void {
      requested = true;
      controller.abort();
    },
    take(): boolean {
      const was = requested;
      requested = false;
      return was;
    },
    signal(): AbortSignal {
      controller = new AbortController();
      return controller.signal;
    },
  };
}

/** What {@link repeatWhileActive} runs, and how often. */
export interface RepeatOptions {
  readonly clock: Pick<Clock, 'sleep'>;
  /** Between runs, ms. */
  readonly everyMs: number;
  /** Longest wait after repeated failures, ms (never shorter than `everyMs`). */
  readonly maxBackoffMs: number;
  /** Ends the loop (at once, even mid-wait; a run under way finishes). */
  readonly stop: AbortSignal;
  /** Checked before each run: a run is skipped while false (a standby replica). */
  readonly active: () => boolean;
  /** One run; resolves whether it succeeded (it never rejects: it logs its own failures). */
  readonly run: () => Promise<boolean>;
  readonly waker?: Waker;
}

/**
 * Runs `run` every `everyMs` of the clock while `active()`, until `stop`:
 * after `n` failures in a row it waits `everyMs * 2^(n-1)` (so the first
 * retry comes at the next interval), at most `maxBackoffMs`. No jitter: only
 * one replica acts at a time, so there is no herd to spread.
 */
export async function repeatWhileActive(opts: RepeatOptions): Promise<void> {
  let failures = 0;
  while (!opts.stop.aborted) {
    opts.waker?.take();
    if (opts.active()) failures = (await opts.run()) ? 0 : failures + 1;
    if (opts.waker?.take()) continue;
    const delay = failures === 0 ? opts.everyMs : Math.min(opts.everyMs * 2 ** (failures - 1), Math.max(opts.maxBackoffMs, opts.everyMs));
    await opts.clock.sleep(delay, opts.waker ? AbortSignal.any([opts.stop, opts.waker.signal()]) : opts.stop);
  }
}
