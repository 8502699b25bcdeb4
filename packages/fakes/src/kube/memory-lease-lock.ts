import type { LeaseLock, LeaseRecord } from '@driftless/core';

/**
 * An in-memory LeaseLock for unit tests and simulated clusters, passing the
 * same contract suite as the real adapter over a coordination.k8s.io Lease
 * (describeLeaseLockContract). Versions are a per-lock counter; like the
 * Lease, which keeps its duration in whole seconds, a duration is stored
 * rounded up to the second. {@link MemoryLeaseLock.handle} gives another
 * handle on the same lease, as a second pod would have. No awaits beyond
 * resolved promises: no timers, no I/O.
 */
export class MemoryLeaseLock implements LeaseLock {
  private readonly shared: { current?: { record: LeaseRecord; version: number }; revision: number };

  constructor(shared?: MemoryLeaseLock) {
    this.shared = shared ? shared.shared : { revision: 0 };
  }

  get(): Promise<{ record: LeaseRecord; version: string } | undefined> {
    const current = this.shared.current;
    return Promise.resolve(current ? { record: { ...current.record }, version: String(current.version) } : undefined);
  }

  create(record: LeaseRecord): Promise<boolean> {
    if (this.shared.current) return Promise.resolve(false);
    this.store(record);
    return Promise.resolve(true);
  }

  update(record: LeaseRecord, version: string): Promise<boolean> {
    if (this.shared.current === undefined || String(this.shared.current.version) !== version) return Promise.resolve(false);
    this.store(record);
    return Promise.resolve(true);
  }

  /** Another handle on this same lease (another pod's client). */
  handle(): MemoryLeaseLock {
    return new MemoryLeaseLock(this);
  }

  private store(record: LeaseRecord): void {
    const durationMs = Math.ceil(record.durationMs / 1000) * 1000;
    this.shared.current = { record: { ...record, durationMs }, version: ++this.shared.revision };
  }
}
