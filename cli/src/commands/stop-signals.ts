/** What a long-running command learns from SIGINT/SIGTERM. */
export interface StopSignals {
  /** Aborted on the first signal: stops a build or start-up in progress. */
  readonly signal: AbortSignal;
  /** Resolves with the first signal received. */
  readonly requested: Promise<NodeJS.Signals>;
}

/**
 * Listens for SIGINT and SIGTERM before a long start-up begins: the first one
 * aborts `signal` (a build in progress stops, its processes are killed) and
 * resolves `requested`, so the command stops gracefully; a second one gives up
 * on that and exits 130, leaving the exit handlers to kill what is left.
 */
export function listenForStop(): StopSignals {
  const interrupted = new AbortController();
  let stopping = false;
  const requested = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      interrupted.abort();
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { signal: interrupted.signal, requested };
}
