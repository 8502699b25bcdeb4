/**
 * Exit codes of the `driftless` command (DESIGN.md): 0 success, 1 runtime
 * failure, 2 invalid input or usage; 130 when interrupted before it finished
 * starting (the shell convention for SIGINT).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** The user interrupted the command (SIGINT/SIGTERM) before it got anywhere: exit code 130. */
export class Interrupted extends Error {
  readonly code = 'Interrupted';
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/** Invalid input or usage found after parsing (a bad flag value): exit code 2. */
export class UsageError extends Error {
  readonly code = 'Usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * DriftlessError codes that mean the user's input is wrong (exit 2) wherever
 * they come from; every other failure is a runtime failure (exit 1).
 */
export const INPUT_ERROR_CODES: ReadonlySet<string> = new Set(['VerifyKeyMissing', 'InvalidKey', 'InvalidStoreConfig', 'InvalidKubeConfig', 'InvalidDocument', 'TooLarge', 'GitRefused', 'RollbackRefused', 'RolloutCommandRefused', 'SigningKeyRequired', 'MetricSourceRequired', 'FlagOverrideRefused']);
