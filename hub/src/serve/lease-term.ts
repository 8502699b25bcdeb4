import type { Clock } from '@driftless/core';
import type { HubLog } from '../hub-log.js';
import type { HubLease } from './hub-lease.js';

/** What {@link watchLease} reports to the server. */
export interface LeaseWatch {
  readonly lease: HubLease;
  readonly clock: Clock;
  readonly log: HubLog;
  /** Ends the loop (at once, even mid-wait). */
  readonly stop: AbortSignal;
  /** Called when we start or stop being active; `term` is the new term's signal (aborted when it ends), undefined when it ended. */
  readonly onChange: (term: AbortSignal | undefined) => void;
  readonly failed: (action: string, err: unknown) => void;
}

/**
 * The lease loop of `hub serve`: tries to take or renew the lease every third
 * of it, and wakes at the renew deadline when that comes first, so a hold
 * that ends by time alone is noticed when it ends. Each active term gets an
 * AbortSignal, aborted the moment the term is seen to end (or on stop), which
 * the actions started in it receive: a compile or step that outlives the
 * lease is cancelled instead of racing the next holder.
 */
export async function watchLease(w: LeaseWatch): Promise<void> {
  let term: AbortController | undefined;
  const report = (): void => {
    const active = w.lease.isActive();
    if (active === (term !== undefined)) return;
    if (active) term = new AbortController();
    else {
      term?.abort(new Error('hub serve lost the lease'));
      term = undefined;
    }
    w.log({ level: 'info', msg: active ? 'hub serve lease taken: active' : 'hub serve lease lost: standing by', holder: w.lease.holder() ?? null });
    w.onChange(term?.signal);
  };
  try {
    while (!w.stop.aborted) {
      report();
      await w.lease.tryAcquireOrRenew().catch((err: unknown) => w.failed('lease renew', err));
      report();
      const untilDeadline = w.lease.activeUntil() - w.clock.now();
      await w.clock.sleep(Math.max(0, Math.min(w.lease.leaseMs / 3, untilDeadline > 0 ? untilDeadline : Infinity)), w.stop);
    }
  } finally {
    term?.abort(new Error('hub serve stopping'));
  }
}
