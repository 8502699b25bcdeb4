/**
 * How a caller must react to an error (STYLE.md):
 * - `stalled`: needs a human (bad input, digest mismatch, bad signature); retrying
 *   the same thing gives the same answer, so never retry it in a loop;
 * - `transient`: retry with backoff and jitter (5xx, 429, network);
 * - `internal`: a broken invariant, a bug.
 */
export type ErrorClass = 'stalled' | 'transient' | 'internal';

/** The data each error code carries; JSON-serializable, never a credential. */
export interface ErrorData {
  /** Bytes do not hash to the digest that names them (a tampered or corrupted blob). */
  DigestMismatch: { subject: string; expected: string; actual?: string; reason?: string };
  /** A reader with a public key got a pointer without a signature. */
  SignatureMissing: { cluster: string; generation: number };
  /** The signature does not verify with the configured key (tampered pointer or wrong key). */
  SignatureInvalid: { cluster: string; generation: number; reason: string };
  /** An older pointer than one already accepted (a replay), or a different one at the same generation. */
  GenerationReplayed: { cluster: string; generation: number; accepted: number };
  /** A validly signed pointer read at or after its `expiresAt` (a freeze attack, or a hub that stopped re-signing). */
  PointerExpired: { cluster: string; generation: number; publishedAt: string; expiresAt: string };
  /**
   * No record of the last accepted pointer generation survives, yet the
   * cluster shows it was managed before: an older pointer could roll it back.
   * A person must tell the agent the floor (`--replay-floor`).
   */
  ReplayFloorUnknown: { cluster: string; generation: number; reason: string };
  /** An agent configured without a verify key and without the explicit insecure mode. */
  VerifyKeyMissing: { cluster: string };
  /** A document that is not JSON or does not match its schema. */
  InvalidDocument: { subject: string; issues: { path: string; message: string }[] };
  /** Bytes (or a bundle's objects) over a configured limit, refused before they fill memory. */
  TooLarge:
    | { subject: string; limitBytes: number; what: 'compressed' | 'decompressed' | 'object' }
    | { subject: string; limitObjects: number; objects: number; what: 'objects' };
  /** A key that is not a valid Ed25519 key in PEM. */
  InvalidKey: { reason: string };
  /** A store request that kept failing transiently after its retries. */
  StoreUnavailable: { operation: string; key: string; status?: number };
  /** A store request refused for a reason retrying will not fix (access denied, no such bucket). */
  StoreRefused: { operation: string; key: string; status?: number };
  /** A store URL or key that cannot be used. */
  InvalidStoreConfig: { input: string; reason: string };
  /** A git remote that kept failing transiently (5xx, 429, network) after retries. */
  GitUnavailable: { remote: string; ref?: string; status?: number };
  /** A git remote or ref that cannot be read as asked (auth, not found, not a repository). */
  GitRefused: { remote: string; ref?: string; status?: number };
  /** A kubeconfig that names no cluster to talk to (no current context, or one whose cluster is missing). `context` is the current context's name, empty when none. */
  InvalidKubeConfig: { context: string; reason: string };
  /** The Kubernetes API kept failing transiently (429, 5xx, network). */
  KubeUnavailable: { object: string; operation: string; status?: number };
  /** The Kubernetes API refused a request about one object (invalid, forbidden, conflict, unknown kind). */
  KubeRefused: { object: string; operation: string; status?: number; reason: string };
  /** Publishing refused for some clusters to protect them (mass prune); needs a human decision. */
  PublishRefused: { clusters: { cluster: string; reason: string }[] };
  /**
   * A pointer (`cluster` set) or the hub's last-publish marker changed between
   * this hub's read and its compare-and-swap write: another hub publishes to
   * the same store. Retrying races it again; a person must make sure only one
   * hub publishes.
   */
  PublishConflict: { cluster?: string; key: string };
  /**
   * A revision that does not descend from the last one published to the store
   * (an older commit, or an unrelated history): publishing it would roll the
   * fleet back. Needs a human: `--allow-rollback`.
   */
  RollbackRefused: { revision: string; lastPublished: string };
  /**
   * A person's rollout command that does not apply to the rollout as it is
   * (approving a ring that needs no approval or already opened, resuming a
   * rollout that is not halted, any command on a finished one): invalid input.
   */
  RolloutCommandRefused: { rollout: string; command: string };
  /**
   * A person's command meant for rollout `rollout` (the one they saw) while
   * rollout `current` is current: a newer release superseded it meanwhile.
   * Nothing was written; look at the current rollout and decide again.
   */
  RolloutSuperseded: { rollout: string; current: string };
  /**
   * A step, approve or resume on a rollout whose pointers are signed by key
   * `keyId`, run without that key (`given`: the run's key id, or `none`):
   * refused before anything is written; pass `--sign-key` with that key.
   * Also a `flag set`/`clear` (`flag`) on clusters whose pointers are signed,
   * without the key that signed them (`keyId`: `unknown`, pointers carry no id).
   */
  SigningKeyRequired: { rollout?: string; flag?: string; keyId: string; given: string };
  /**
   * The rollout document kept changing under this writer (compare-and-swap
   * lost every retry): another hub or `rollout step` is writing it; try again.
   */
  RolloutConflict: { rollout: string };
  /** The audit log's chain is broken at `seq`: an entry altered, missing or out of order. */
  AuditChainBroken: { seq: number; problem: string };
  /** Other writers took every seq this appender tried (put-if-absent lost every retry); try again. */
  AuditConflict: { seq: number };
  /** An audit entry that could not be written after bounded retries (`action`): the change it records happened; rerunning the command writes it. */
  AuditAppendFailed: { action: string };
  /** `control/freeze.json` kept changing under a freeze or unfreeze (lifted and re-created, or replaced): nothing was done; try again. */
  FreezeConflict: { key: string };
  /**
   * A metric source (Prometheus) that kept failing transiently after its
   * retries: unreachable, timed out, 5xx or 429 (`status` when it answered).
   * A check reading it waits (never passes), then fails after progressDeadline.
   */
  MetricSourceUnavailable: { source: string; query: string; status?: number; reason: string };
  /** A query the metric source refuses (bad PromQL: 400 / 422, or a result that is not a vector or scalar): retrying gives the same answer. */
  MetricQueryRejected: { source: string; query: string; status?: number; reason: string };
  /**
   * A rollout whose rings list metric checks, started or stepped without a
   * metric source (`--prometheus URL`): refused before anything is written.
   */
  MetricSourceRequired: { rollout: string; checks: string[] };
  /**
   * `driftless flag set/clear` refused before anything was written: an unknown
   * flag or variant, a bad selector, no override to clear, or nothing
   * published yet (invalid input).
   */
  FlagOverrideRefused: { flag: string; reason: string };
  /** `flags/overrides.json` changed under every compare-and-swap attempt: nothing was written; try again. */
  FlagOverridesConflict: { key: string };
  /** A broken invariant: a bug in Driftless, not bad input or an outage. `invariant` says what should have held. */
  Internal: { invariant: string };
}

export type ErrorCode = keyof ErrorData;

const CLASS_OF: Readonly<Record<ErrorCode, ErrorClass>> = {
  DigestMismatch: 'stalled',
  SignatureMissing: 'stalled',
  SignatureInvalid: 'stalled',
  GenerationReplayed: 'stalled',
  PointerExpired: 'stalled',
  ReplayFloorUnknown: 'stalled',
  VerifyKeyMissing: 'stalled',
  InvalidDocument: 'stalled',
  TooLarge: 'stalled',
  InvalidKey: 'stalled',
  StoreUnavailable: 'transient',
  StoreRefused: 'stalled',
  InvalidStoreConfig: 'stalled',
  GitUnavailable: 'transient',
  GitRefused: 'stalled',
  PublishRefused: 'stalled',
  PublishConflict: 'stalled',
  RollbackRefused: 'stalled',
  InvalidKubeConfig: 'stalled',
  KubeUnavailable: 'transient',
  KubeRefused: 'stalled',
  RolloutCommandRefused: 'stalled',
  RolloutSuperseded: 'stalled',
  SigningKeyRequired: 'stalled',
  RolloutConflict: 'transient',
  AuditChainBroken: 'stalled',
  AuditConflict: 'transient',
  AuditAppendFailed: 'transient',
  FreezeConflict: 'transient',
  MetricSourceUnavailable: 'transient',
  MetricQueryRejected: 'stalled',
  MetricSourceRequired: 'stalled',
  FlagOverrideRefused: 'stalled',
  FlagOverridesConflict: 'transient',
  Internal: 'internal',
};

/**
 * Every expected failure of Driftless: a stable literal `code`, JSON-serializable
 * `data`, the underlying `cause`, and a {@link ErrorClass} that tells the caller
 * whether to retry. Messages read `<subject> <operation> failed: <cause>`.
 */
export class DriftlessError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly data: ErrorData[C];

  constructor(code: C, message: string, data: ErrorData[C], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DriftlessError';
    this.code = code;
    this.data = data;
  }

  /** Whether to retry (`transient`), stop and report (`stalled`), or treat as a bug (`internal`). */
  get errorClass(): ErrorClass {
    return CLASS_OF[this.code];
  }

  toJSON(): { code: C; message: string; data: ErrorData[C]; errorClass: ErrorClass } {
    return { code: this.code, message: this.message, data: this.data, errorClass: this.errorClass };
  }
}

/** Narrows `err` to a DriftlessError, optionally of one code. */
export function isDriftlessError<C extends ErrorCode>(err: unknown, code?: C): err is DriftlessError<C> {
  return err instanceof DriftlessError && (code === undefined || err.code === code);
}

/** The class of any thrown value: DriftlessErrors say theirs; anything else is `internal`. */
export function classifyError(err: unknown): ErrorClass {
  return err instanceof DriftlessError ? err.errorClass : 'internal';
}
