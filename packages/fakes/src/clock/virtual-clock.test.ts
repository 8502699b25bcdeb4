import { describe, expect, it } from 'vitest';
import { VirtualClock } from './virtual-clock.js';

describe('VirtualClock', () => {
  it('fires timers in time order, then in the order they were set, and never runs ahead of them', async () => {
    const clock = new VirtualClock(1_000);
    const seen: string[] = [];
    const after = (ms: number, name: string): void => {
      void clock.sleep(ms).then(() => seen.push(`${name}@${clock.now()}`));
    };
    after(30, 'c');
    after(10, 'a');
    after(10, 'b');
    await clock.advance(1_020);
    expect(seen).toEqual(['a@1010', 'b@1010']);
    expect(clock.now()).toBe(1_020);
    await clock.advance(2_000);
    expect(seen).toEqual(['a@1010', 'b@1010', 'c@1030']);
    expect(clock.now()).toBe(2_000);
  });

  it('lets the work a timer starts settle first, so chained sleeps see consistent time', async () => {
    const clock = new VirtualClock();
    const trace: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        await Promise.resolve(); // work between sleeps
        trace.push(clock.now());
      }
    };
    const done = loop();
    await clock.advance(1_000);
    await done;
    expect(trace).toEqual([100, 200, 300]);
  });

  it('stops at the instant the stop condition holds', async () => {
    const clock = new VirtualClock();
    let count = 0;
    const tick = async (): Promise<void> => {
      for (;;) {
        await clock.sleep(50);
        count += 1;
      }
    };
    void tick();
    await clock.advance(10_000, () => count >= 4);
    expect(count).toBe(4);
    expect(clock.now()).toBe(200);
  });

  it('wakes an aborted sleeper at once and never fires its timer', async () => {
    const clock = new VirtualClock();
    const ctl = new AbortController();
    let woke = -1;
    const sleeping = clock.sleep(500, ctl.signal).then(() => (woke = clock.now()));
    ctl.abort();
    await sleeping;
    expect(woke).toBe(0);
    expect(await clock.advance(1_000)).toBe(0);
  });

  it('says when the next live timer is due, skipping cancelled ones, and nothing when idle', async () => {
    const clock = new VirtualClock(0);
    expect(clock.nextDue()).toBeUndefined();
    const stop = new AbortController();
    void clock.sleep(5, stop.signal);
    void clock.sleep(40);
    expect(clock.nextDue()).toBe(5);
    stop.abort();
    expect(clock.nextDue()).toBe(40);
    await clock.advance(100);
    expect(clock.nextDue()).toBeUndefined();
  });
});
