import type { Clock } from '@driftless/core';

interface Timer {
  readonly at: number;
  readonly seq: number;
  resolve: (() => void) | undefined;
  /** The sleepers of the signal this timer listens to, which it leaves when it fires. */
  group?: Set<Timer>;
}

/**
 * A discrete-event clock for simulations: `sleep` registers a timer and time
 * moves only when {@link VirtualClock.advance} runs, jumping straight to the
 * next timer once every promise chain started by the previous one has settled.
 * Everything driven by it must do its work in microtasks (in-memory fakes,
 * synchronous hashing and zlib); real I/O would run outside virtual time.
 *
 * Timers due at the same instant fire in the order they were set, so a
 * simulation seeded the same way replays the same events.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly heap: Timer[] = [];
  /** One abort listener per signal, not per sleep: thousands of sleepers share one signal. */
  private readonly sleepers = new WeakMap<AbortSignal, Set<Timer>>();

  /** `startMs`: the epoch ms the simulation starts at. */
  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.push(timer);
      if (!signal) return;
      let group = this.sleepers.get(signal);
      if (!group) {
        const members = new Set<Timer>();
        group = members;
        this.sleepers.set(signal, members);
        signal.addEventListener(
          'abort',
          () => {
            // Left in the heap and skipped when due: removal from a heap is not worth it.
            for (const t of members) {
              const wake = t.resolve;
              t.resolve = undefined;
              wake?.();
            }
            members.clear();
          },
          { once: true },
        );
      }
      group.add(timer);
      timer.group = group;
    });
  }

  /** Timers waiting to fire (cancelled ones included until they come due). */
  get pending(): number {
    return this.heap.length;
  }

  /**
   * When the next timer is due (epoch ms), or undefined when none waits: what a
   * coordinator of several clocks needs to skip time in which nothing happens.
   * Cancelled timers at the front are dropped first, so an aborted fleet reads as idle.
   */
  nextDue(): number | undefined {
    while (this.heap[0] && !this.heap[0].resolve) this.pop();
    return this.heap[0]?.at;
  }

  /**
   * Runs the simulation: fires every timer due up to `untilMs`, in time order,
   * letting the work each one starts settle before moving on, and stops early
   * when `stop()` returns true (checked after each instant). The clock ends at
   * `untilMs`, or at the instant `stop` held. Resolves with the number of timers fired.
   */
  async advance(untilMs: number, stop?: () => boolean): Promise<number> {
    let fired = 0;
    await settle();
    for (;;) {
      if (stop?.()) return fired;
      const next = this.heap[0];
      if (!next || next.at > untilMs) break;
      this.t = next.at;
      // Every timer of this instant, then one settle for all of them.
      while (this.heap[0] && this.heap[0].at === this.t) {
        const timer = this.pop();
        if (timer.resolve) {
          fired += 1;
          timer.group?.delete(timer);
          timer.resolve();
        }
      }
      await settle();
    }
    this.t = Math.max(this.t, untilMs);
    return fired;
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i] as Timer, h[parent] as Timer)) break;
      [h[i], h[parent]] = [h[parent] as Timer, h[i] as Timer];
      i = parent;
    }
  }

  private pop(): Timer {
    const h = this.heap;
    const top = h[0] as Timer;
    const last = h.pop() as Timer;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as Timer, h[m] as Timer)) m = l;
        if (r < h.length && before(h[r] as Timer, h[m] as Timer)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
        i = m;
      }
    }
    return top;
  }
}

const before = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Lets every pending microtask run: all promise chains resolved by now have moved as far as they can. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
