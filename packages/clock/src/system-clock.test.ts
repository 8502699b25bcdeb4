import { describe, expect, it } from 'vitest';
import { systemClock } from './system-clock.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('systemClock', () => {
  it('ends a sleep as soon as its signal aborts, and leaves no timer behind', async () => {
    const before = timers();
    const abort = new AbortController();
    const sleeping = systemClock.sleep(3_600_000, abort.signal);
    expect(timers()).toBe(before + 1);
    abort.abort();
    await sleeping;
    expect(timers()).toBe(before);
  });

  it('does not wait at all when the signal has already aborted', async () => {
    const before = timers();
    await systemClock.sleep(3_600_000, AbortSignal.abort());
    expect(timers()).toBe(before);
  });

});
