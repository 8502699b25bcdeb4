/**
 * Time, injected (STYLE.md): real in processes, fake in tests and in the bench's
 * simulated fleet, so no logic reads the wall clock or sleeps by itself.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time, or as soon as `signal` aborts (no error). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

