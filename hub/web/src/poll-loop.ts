/** What one polling loop reads with and reports to. */
export interface PollLoopDeps<T> {
  /** One read; a rejection is reported to onError and the loop goes on. */
  read(): Promise<T>;
  onData(data: T): void;
  onError(err: Error): void;
  /** Pause after each read settles, ms. */
  readonly everyMs: number;
}

/**
 * Reads now and again `everyMs` after each read settles, until the returned
 * stop is called. Liveness and timer belong to this loop alone: a read that
 * settles after stop reports nothing and schedules nothing, so a loop
 * replaced mid-read (usePoll's path changed) neither shows its answer nor
 * keeps running.
 */
export function startPollLoop<T>(deps: PollLoopDeps<T>): () => void {
  let alive = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    timer = undefined;
    try {
      const got = await deps.read();
      if (!alive) return;
      deps.onData(got);
    } catch (err) {
      if (!alive) return;
      deps.onError(err as Error);
    }
    if (alive) timer = setTimeout(() => void run(), deps.everyMs);
  };
  void run();
  return () => {
    alive = false;
    if (timer !== undefined) clearTimeout(timer);
  };
}
