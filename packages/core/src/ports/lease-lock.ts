/** A coordination lease as leader election sees it. Times in ms since the epoch. */
export interface LeaseRecord {
  readonly holder?: string;
  readonly acquireTimeMs?: number;
  readonly renewTimeMs?: number;
  readonly durationMs: number;
  readonly transitions: number;
}

/**
 * One lease (a coordination.k8s.io Lease) with optimistic concurrency: every
 * write names the version it read, and loses (false) when someone else wrote
 * in between. `version` is opaque.
 */
export interface LeaseLock {
  /** The lease and its version, or undefined when it does not exist. */
  get(): Promise<{ record: LeaseRecord; version: string } | undefined>;
  /** Creates the lease; false when it already exists. */
  create(record: LeaseRecord): Promise<boolean>;
  /** Replaces the lease read at `version`; false when it changed since. */
  update(record: LeaseRecord, version: string): Promise<boolean>;
}
