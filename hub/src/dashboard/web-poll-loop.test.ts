import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPollLoop } from '../../web/src/poll-loop.js';

/** A read the test settles by hand, as a slow GET. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A loop over `path` whose reads each wait for the test; records what it reports. */
function loopOver(path: string, shown: string[], reads: Map<string, ReturnType<typeof deferred<string>>[]>) {
  return startPollLoop<string>({
    read: () => {
      const d = deferred<string>();
      reads.set(path, [...(reads.get(path) ?? []), d]);
      return d.promise;
    },
    onData: (data) => shown.push(data),
    onError: (err) => shown.push(`error: ${err.message}`),
    everyMs: 3_000,
  });
}

describe('the dashboard\'s polling loop', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('drops a read that settles after its path was replaced, and leaves only the new path\'s loop running', async () => {
    const shown: string[] = [];
    const reads = new Map<string, ReturnType<typeof deferred<string>>[]>();
    const stopA = loopOver('fleet', shown, reads);
    // The filter changes while the first read is still out.
    stopA();
    const stopB = loopOver('fleet?ring=canary', shown, reads);
    reads.get('fleet')?.[0]?.resolve('whole fleet');
    reads.get('fleet?ring=canary')?.[0]?.resolve('canary only');
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual(['canary only']);
    expect(vi.getTimerCount()).toBe(1);

    // Three periods later only the new path was read again, once a period.
    for (let i = 1; i <= 3; i++) {
      await vi.advanceTimersByTimeAsync(3_000);
      reads.get('fleet?ring=canary')?.[i]?.resolve(`canary ${i}`);
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(reads.get('fleet')).toHaveLength(1);
    expect(reads.get('fleet?ring=canary')).toHaveLength(4);
    expect(shown).toEqual(['canary only', 'canary 1', 'canary 2', 'canary 3']);
    stopB();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps polling after a failed read, and reports nothing once stopped', async () => {
    const shown: string[] = [];
    const reads = new Map<string, ReturnType<typeof deferred<string>>[]>();
    const stop = loopOver('audit', shown, reads);
    reads.get('audit')?.[0]?.reject(new Error('503 Service Unavailable'));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(reads.get('audit')).toHaveLength(2);
    stop();
    reads.get('audit')?.[1]?.reject(new Error('late'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(shown).toEqual(['error: 503 Service Unavailable']);
    expect(reads.get('audit')).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
