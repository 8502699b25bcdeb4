import type { Clock, LeaseLock } from '@driftless/core';

export interface LeaderElectorOptions {
  readonly lock: LeaseLock;
  readonly clock: Clock;
  /** Who we are (the pod name). */
  readonly identity: string;
  /** How long a lease lasts without renewal, ms. Default 15 000. */
  readonly leaseMs?: number;
}

/**
 * Leader election over a lease, as client-go does it: take the lease when it
 * is free or its holder stopped renewing for a whole lease duration, renew it
 * while holding it; every write is conditional on the version read, so two
 * candidates never both win. Call tryAcquireOrRenew() more often than the
 * lease lasts (a third of it is usual).
 */
export function createLeaderElector(opts: LeaderElectorOptions) {
  const leaseMs = opts.leaseMs ?? 15_000;
  let leader = false;
  let terms = 0;
  // When the lease last changed, by our own clock: another pod's clock may be off,
  // so its renewTime is never compared with our time (client-go does the same).
  let observed: { key: string; atMs: number } | undefined;
  return {
    /** Whether we held the lease at the last attempt. */
    isLeader: (): boolean => leader,
    /**
     * How many times we took the lease while the Lease did not name us (free,
     * released, or another holder's): each starts a term before which another
     * pod may have led, so whatever we learnt of the cluster may be out of date.
     */
    terms: (): number => terms,
    /** One attempt to take or keep the lease; resolves whether we hold it now. */
    async tryAcquireOrRenew(): Promise<boolean> {
      const now = opts.clock.now();
      const current = await opts.lock.get();
      if (!current) {
        leader = await opts.lock.create({ holder: opts.identity, acquireTimeMs: now, renewTimeMs: now, durationMs: leaseMs, transitions: 0 });
        if (leader) terms += 1;
        return leader;
      }
      const { record, version } = current;
      const key = `${record.holder ?? ''}|${record.renewTimeMs ?? 0}|${version}`;
      if (observed?.key !== key) observed = { key, atMs: now };
      const ours = record.holder === opts.identity;
      const expired = !record.holder || now - observed.atMs > record.durationMs;
      if (!ours && !expired) {
        leader = false;
        return false;
      }
      leader = await opts.lock.update(
        {
          holder: opts.identity,
          acquireTimeMs: ours ? (record.acquireTimeMs ?? now) : now,
          renewTimeMs: now,
          durationMs: leaseMs,
          transitions: ours ? record.transitions : record.transitions + 1,
        },
        version,
      );
      if (leader && !ours) terms += 1;
      return leader;
    },
    /** Gives the lease up (stopping), so another pod takes over at once. */
    async release(): Promise<void> {
      if (!leader) return;
      leader = false;
      const current = await opts.lock.get();
      if (current?.record.holder !== opts.identity) return;
      await opts.lock.update({ durationMs: 1_000, transitions: current.record.transitions }, current.version);
    },
  };
}

export type LeaderElector = ReturnType<typeof createLeaderElector>;
