/**
 * Keeps one copy of equal strings for the in-memory API servers of one
 * simulation. A simulated fleet applies the same manifests to every cluster,
 * so most clusters store the same object JSON (timestamps have second
 * resolution and resourceVersions, uids are per-cluster counters that advance
 * alike) and the same field owners: shared, a cluster costs its Map entries
 * instead of its own copies of every string.
 *
 * The table is bounded: when full it starts over, so that superseded strings
 * are never pinned by it (those already shared stay shared).
 */
export class StringPool {
  private readonly table = new Map<string, string>();

  /** @param maxEntries strings remembered before the table starts over; default 65,536. */
  constructor(private readonly maxEntries = 65_536) {}

  /** `s`, or an equal string seen before (the same object, so that only one copy is kept). */
  intern(s: string): string {
    const seen = this.table.get(s);
    if (seen !== undefined) return seen;
    if (this.table.size >= this.maxEntries) this.table.clear();
    this.table.set(s, s);
    return s;
  }

  /** Strings remembered now. */
  get size(): number {
    return this.table.size;
  }
}
