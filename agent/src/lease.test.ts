import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import type { LeaderElector } from './leader.js';
import { createLease } from './lease.js';
import type { LogEvent } from './summarize.js';

const START = Date.UTC(2026, 10, 22);

/** An elector whose first attempt wins and whose later ones (renewals) hang until `hangMs` later, then fail. */
function hangingRenewals(clock: VirtualClock, hangMs: number): LeaderElector {
  let attempts = 0;
  let leader = false;
  return {
    isLeader: () => leader,
    terms: () => 1,
    tryAcquireOrRenew: async () => {
      attempts += 1;
      if (attempts > 1) {
        await clock.sleep(hangMs);
        throw new Error('Lease renew failed: no answer');
      }
      leader = true;
      return true;
    },
    release: () => Promise.resolve(),
  };
}

describe('lease', () => {
  it('reports a pass that completed as done, not lost, when a renewal hangs past the renew deadline after it ended', async () => {
    const clock = new VirtualClock(START);
    const logs: LogEvent[] = [];
    const lease = createLease(hangingRenewals(clock, 30_000), { clock, cluster: 'c1', log: (e) => logs.push(e) });
    expect(await lease.hold()).toBe(true);
    // The pass outlasts the first renewal (at 5 s, which hangs) and ends at 6 s, before the 10 s deadline.
    let settled = false;
    const during = lease
      .during(async (signal) => {
        await clock.sleep(6_000);
        return signal?.aborted ? 'stopped' : 'completed';
      })
      .finally(() => void (settled = true));
    await clock.advance(START + 60_000, () => settled);
    expect(await during).toBe('completed');
    expect(logs.map((e) => e.msg)).not.toContain('lease not renewed within the renew deadline: stopping the pass');
  });
});
