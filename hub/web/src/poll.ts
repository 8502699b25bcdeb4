import { useEffect, useState } from 'preact/hooks';
import { type ApiCallError, getJson } from './api.js';
import { startPollLoop } from './poll-loop.js';

/** What usePoll gives a page: the last answer, the last error, and a way to read again now. */
export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: ApiCallError | Error | undefined;
  reload(): void;
}

/** An answer or error with the path it is for, so a page never shows another path's. */
interface Got<V> {
  readonly path: string;
  readonly value: V;
}

/**
 * GETs `/api/v1/<path>` now and every `everyMs` (default 5 s) while the page
 * shows, and again whenever `path` changes; keeps the last good answer when a
 * later read fails. Each path (and each reload) gets its own loop
 * (startPollLoop), stopped when it is replaced, and what was read for an
 * earlier path is never returned for the current one. A 401 is an error like
 * any other: the shell shows the sign-in form for it.
 */
export function usePoll<T>(path: string, everyMs = 5_000): Polled<T> {
  const [data, setData] = useState<Got<T> | undefined>(undefined);
  const [error, setError] = useState<Got<ApiCallError | Error | undefined> | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(
    () =>
      startPollLoop({
        read: () => getJson<T>(path),
        onData: (value) => {
          // The same object again (a 304) keeps the state as it is: no render.
          setData((prev) => (prev?.path === path && prev.value === value ? prev : { path, value }));
          setError(undefined);
        },
        onError: (value) => setError({ path, value }),
        everyMs,
      }),
    [path, everyMs, tick],
  );
  return { data: data?.path === path ? data.value : undefined, error: error?.path === path ? error.value : undefined, reload: () => setTick((t) => t + 1) };
}
