import { z } from 'zod';
import { parseJsonDocument, storeLayout, type Clock, type ObjectStore } from '@driftless/core';

/**
 * `hub/lease.json`: which `hub serve` replica is active. Times are ISO 8601
 * (UTC) by the holder's clock, for people: no replica trusts another's clock
 * (a standby goes by how long it saw the document unchanged, see {@link createHubLease}).
 */
export const hubLeaseSchema = z.object({
  holder: z.string().min(1),
  renewedAt: z.string(),
  expiresAt: z.string(),
  /** +1 each time the lease changes hands (or is taken again after a release), so a replica knows it starts a new term. */
  term: z.number().int().nonnegative(),
  /** Written by the holder when it stops: any replica may take the lease at once. */
  released: z.boolean().optional(),
});

/** The lease document as stored. */
export type HubLeaseDocument = z.infer<typeof hubLeaseSchema>;

/** What a {@link createHubLease} is given. */
export interface HubLeaseOptions {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** Who we are (host name and process id, say): written as `holder`. */
  readonly identity: string;
  /** How long a standby waits, seeing the lease unchanged, before it takes over, ms. Default {@link DEFAULT_HUB_LEASE_MS}. */
  readonly leaseMs?: number;
  /**
   * How long the holder keeps acting after its last successful renewal was
   * sent, ms (by its own clock). Default two thirds of `leaseMs` (client-go's
   * 10 s of 15 s), so it stops well before a standby may take over. At most `leaseMs`.
   */
  readonly renewDeadlineMs?: number;
}

/** The default lease duration, ms: renewed every third of it. */
export const DEFAULT_HUB_LEASE_MS = 30_000;

/** One hub replica's hold on the shared lease. */
export interface HubLease {
  /** The lease duration, ms (renew more often: a third of it is usual). */
  readonly leaseMs: number;
  /**
   * One attempt to take the lease or to renew ours; every write is
   * compare-and-swap on the ETag read, so two replicas never both win. We
   * take it only when it is missing, unreadable, `released`, or unchanged
   * (same ETag) for a whole `leaseMs` as we observed it on our own clock
   * (client-go style: `expiresAt` is never compared with our clock, so a
   * standby whose clock runs ahead cannot take a live lease). Resolves
   * whether we hold it now. A store failure rejects; the hold we had stays
   * valid until its renew deadline.
   */
  tryAcquireOrRenew(): Promise<boolean>;
  /**
   * Whether we may act now: we hold the lease and the renew deadline of our
   * last successful write (counted from when that write was sent, by our
   * clock) has not passed. False from then on, a third of the lease before
   * another replica can take over.
   */
  isActive(): boolean;
  /** Until when (epoch ms, our clock) we may act without another renewal; -Infinity when not holding it. */
  activeUntil(): number;
  /** The holder seen at the last attempt (undefined before any, or when there is no lease). */
  holder(): string | undefined;
  /** How many terms we started (took the lease while it did not name us, or after a release). */
  terms(): number;
  /** Gives the lease up (`released: true`, compare-and-swap), so a standby takes over at once; a no-op when not holding it. */
  release(): Promise<void>;
}

/**
 * The lease `hub serve` replicas share in the store (storeLayout.hubLease),
 * the way client-go's leader election uses a Kubernetes Lease (see the
 * agent's leader.ts), over S3 conditional writes instead: the holder renews
 * it, a standby remembers the ETag it last saw and when (by its own clock)
 * and takes over once that has not changed for `leaseMs`, or at once when it
 * is missing or released.
 */
export function createHubLease(opts: HubLeaseOptions): HubLease {
  const leaseMs = opts.leaseMs ?? DEFAULT_HUB_LEASE_MS;
  const renewDeadlineMs = Math.min(opts.renewDeadlineMs ?? (leaseMs * 2) / 3, leaseMs);
  const key = storeLayout.hubLease;
  let activeUntil = Number.NEGATIVE_INFINITY;
  let held = false;
  let seenHolder: string | undefined;
  let terms = 0;
  let observed: { etag: string; atMs: number } | undefined;

  const write = async (doc: HubLeaseDocument, etag: string | undefined): Promise<boolean> => {
    const body = new TextEncoder().encode(JSON.stringify(doc));
    const opts2 = { contentType: 'application/json' };
    const result = etag === undefined ? await opts.store.putIfAbsent(key, body, opts2) : await opts.store.put(key, body, { ...opts2, ifMatch: etag });
    return result.kind === 'created' || result.kind === 'written';
  };

  return {
    leaseMs,
    isActive: () => held && opts.clock.now() < activeUntil,
    activeUntil: () => (held ? activeUntil : Number.NEGATIVE_INFINITY),
    holder: () => seenHolder,
    terms: () => terms,
    async tryAcquireOrRenew(): Promise<boolean> {
      const now = opts.clock.now();
      const current = await read(opts.store, key);
      if (current && observed?.etag !== current.etag) observed = { etag: current.etag, atMs: now };
      const doc = current?.doc;
      const ours = doc?.holder === opts.identity && doc.released !== true;
      const free = !doc || doc.released === true || (observed !== undefined && now - observed.atMs >= leaseMs);
      if (!ours && !free) {
        held = false;
        seenHolder = doc?.holder;
        return false;
      }
      const next: HubLeaseDocument = {
        holder: opts.identity,
        renewedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + leaseMs).toISOString(),
        term: ours ? doc.term : (doc?.term ?? 0) + 1,
      };
      held = await write(next, current?.etag);
      if (held) {
        // Counted from before the request: the write may have landed late in it.
        activeUntil = now + renewDeadlineMs;
        if (!ours) terms += 1;
        seenHolder = opts.identity;
        observed = undefined;
      }
      return held;
    },
    async release(): Promise<void> {
      if (!held) return;
      held = false;
      activeUntil = Number.NEGATIVE_INFINITY;
      const current = await read(opts.store, key);
      if (current?.doc?.holder !== opts.identity) return;
      const now = new Date(opts.clock.now()).toISOString();
      await write({ ...current.doc, renewedAt: now, expiresAt: now, released: true }, current.etag);
    },
  };
}

/** The lease and its ETag; `doc` undefined when the object is unreadable (then any replica may replace it). */
async function read(store: ObjectStore, key: string): Promise<{ doc: HubLeaseDocument | undefined; etag: string } | undefined> {
  const got = await store.get(key);
  if (got.kind !== 'found') return undefined;
  try {
    return { doc: parseJsonDocument(hubLeaseSchema, got.body, key), etag: got.etag };
  } catch {
    return { doc: undefined, etag: got.etag };
  }
}
