import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiCallError, getJson } from './api.js';

/** What usePoll gives a page: the last answer, the last error, and a way to read again now. */
export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: ApiCallError | Error | undefined;
  reload(): void;
}

/**
 * GETs `/api/v1/<path>` now and every `everyMs` (default 5 s) while the page
 * shows, and again whenever `path` changes; keeps the last good answer when a
 * later read fails. A 401 is an error like any other: the shell shows the
 * sign-in form for it.
 */
export function usePoll<T>(path: string, everyMs = 5_000): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiCallError | Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async (): Promise<void> => {
      try {
        const got = await getJson<T>(path);
        if (!live.current) return;
        setData(got);
        setError(undefined);
      } catch (err) {
        if (live.current) setError(err as Error);
      }
      if (live.current) timer = setTimeout(() => void read(), everyMs);
    };
    void read();
    return () => {
      live.current = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [path, everyMs, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
