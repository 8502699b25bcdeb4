import {
  auditEntryHash,
  auditEntrySchema,
  auditHeadSchema,
  DriftlessError,
  listAll,
  parseJsonDocument,
  storeLayout,
  type AuditEntry,
  type AuditHead,
  type Digest,
  type ObjectStore,
  type RequestOptions,
  type StoredAuditEntry,
} from '@driftless/core';

/** Parallel GETs while reading the log. */
const READ_CONCURRENCY = 16;

/** The newest entry as an appender knows it: where the next one goes and what it chains to. */
export interface AuditTip {
  readonly seq: number;
  readonly hash: Digest;
  readonly atMs: number;
}

/** The seq of an `audit/<16 digits>.json` key, or undefined for any other key. */
export function auditSeqOfKey(key: string): number | undefined {
  const m = /^audit\/(\d{16})\.json$/.exec(key);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** `stored` parsed; a stored entry that is not a valid entry is a stalled `InvalidDocument` naming its key. */
export function parseStoredEntry(stored: StoredAuditEntry): AuditEntry {
  return parseJsonDocument(auditEntrySchema, stored.bytes, `audit entry ${storeLayout.auditEntry(stored.seq)}`);
}

/**
 * The newest entry: from `from` (or the head hint) probe forward with GETs
 * until not-found; without either, or when the hint names no entry, list `audit/`.
 */
export async function findTip(store: ObjectStore, from: AuditTip | undefined, opts: RequestOptions): Promise<AuditTip | undefined> {
  let tip = from;
  if (tip === undefined) {
    const hint = await readHeadHint(store, opts);
    tip = hint && (await readTip(store, hint.seq, opts));
  }
  if (tip === undefined) {
    const last = await lastListedSeq(store, opts);
    if (last === undefined) return undefined;
    tip = await readTip(store, last, opts);
    if (tip === undefined) throw new DriftlessError('Internal', `audit entry ${last} read failed: listed but not found`, { invariant: 'audit entries are never deleted' });
  }
  for (;;) {
    const next = await readTip(store, tip.seq + 1, opts);
    if (next === undefined) return tip;
    tip = next;
  }
}

async function readTip(store: ObjectStore, seq: number, opts: RequestOptions): Promise<AuditTip | undefined> {
  const entry = await readEntry(store, seq, opts);
  return entry && { seq, hash: auditEntryHash(entry), atMs: Date.parse(entry.at) };
}

/** The entry at `seq`, or undefined when there is none. */
async function readEntry(store: ObjectStore, seq: number, opts: RequestOptions): Promise<AuditEntry | undefined> {
  const got = await store.get(storeLayout.auditEntry(seq), opts);
  return got.kind === 'found' ? parseStoredEntry({ seq, bytes: got.body }) : undefined;
}

async function lastListedSeq(store: ObjectStore, opts: RequestOptions): Promise<number | undefined> {
  let last: number | undefined;
  for await (const key of listAll(store, storeLayout.auditPrefix, opts)) last = auditSeqOfKey(key) ?? last;
  return last;
}

/** The stored bytes of the entries at `seqs` (in that order), READ_CONCURRENCY GETs at a time; missing ones are left out. */
async function readStored(store: ObjectStore, seqs: readonly number[], opts: RequestOptions): Promise<StoredAuditEntry[]> {
  const out: StoredAuditEntry[] = [];
  for (let i = 0; i < seqs.length; i += READ_CONCURRENCY) {
    const batch = await Promise.all(
      seqs.slice(i, i + READ_CONCURRENCY).map(async (seq) => {
        const got = await store.get(storeLayout.auditEntry(seq), opts);
        return got.kind === 'found' ? { seq, bytes: got.body } : undefined;
      }),
    );
    // An entry listed but gone by the time of its GET reads as missing: verify reports the gap.
    for (const s of batch) if (s) out.push(s);
  }
  return out;
}

/**
 * Every stored entry's bytes in key order (seq order: keys are zero-padded),
 * one listing page at a time, so memory holds one page whatever the log's size.
 */
export async function* storedPages(store: ObjectStore, opts: RequestOptions & { readonly pageSize?: number }): AsyncGenerator<StoredAuditEntry[]> {
  let pageToken: string | undefined;
  do {
    const page = await store.list(storeLayout.auditPrefix, { ...opts, ...(pageToken === undefined ? {} : { pageToken }) });
    const seqs = page.keys.map(auditSeqOfKey).filter((s): s is number => s !== undefined);
    if (seqs.length > 0) yield await readStored(store, seqs, opts);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
}

/**
 * The seq of the first entry at or after `sinceMs` among 1..`lastSeq`
 * (`lastSeq` + 1 when none): a binary search with GETs, as entries' `at`
 * never decreases along seq. A missing entry (a gap verify reports) is
 * stepped over to the next one that exists.
 */
export async function firstSeqSince(store: ObjectStore, sinceMs: number, lastSeq: number, opts: RequestOptions): Promise<number> {
  let lo = 1;
  let hi = lastSeq + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    let seq = mid;
    let entry: AuditEntry | undefined;
    for (; seq < hi && entry === undefined; seq++) entry = await readEntry(store, seq, opts);
    if (entry === undefined) hi = mid;
    else if (Date.parse(entry.at) >= sinceMs) hi = seq - 1;
    else lo = seq;
  }
  return lo;
}

/**
 * The entries from `first` on, in seq order, in pages of up to `pageSize`:
 * up to `lastSeq` gaps are stepped over; after it, entries appended since are
 * read until the first missing seq.
 */
export async function* entryPagesFrom(store: ObjectStore, first: number, lastSeq: number, opts: RequestOptions & { readonly pageSize: number }): AsyncGenerator<AuditEntry[]> {
  let page: AuditEntry[] = [];
  let seq = first;
  for (;;) {
    const count = seq <= lastSeq ? Math.min(READ_CONCURRENCY, lastSeq - seq + 1) : 1;
    const seqs = Array.from({ length: count }, (_, i) => seq + i);
    const stored = await readStored(store, seqs, opts);
    page.push(...stored.map(parseStoredEntry));
    seq += count;
    if (page.length >= opts.pageSize) {
      yield page;
      page = [];
    }
    if (seq > lastSeq + 1 && stored.length === 0) break;
  }
  if (page.length > 0) yield page;
}

/** GETs {@link newestFirst} keeps in flight ahead of its reader. */
export const NEWEST_FIRST_READ_AHEAD = 8;

/**
 * The entries newest first, from the tip (or from just below `before`, never
 * above the tip) down; stops at entry 1 or when the caller stops. Up to
 * {@link NEWEST_FIRST_READ_AHEAD} GETs run ahead of the reader, yielded in seq
 * order: on S3 each GET costs 10-20 ms, so one at a time made a scan of a
 * rare actor minutes long. A reader that stops early leaves at most that many
 * reads unused. A window, not p-limit: the seqs to read are unbounded, and
 * the window bounds both the GETs in flight and the entries held.
 */
export async function* newestFirst(store: ObjectStore, opts: RequestOptions & { readonly before?: number }): AsyncGenerator<AuditEntry> {
  const { before, ...req } = opts;
  const tip = (await findTip(store, undefined, req))?.seq ?? 0;
  // Clamped to the tip: a cursor past it must not walk seqs that were never written.
  let next = before === undefined ? tip : Math.min(tip, before - 1);
  const ahead: Promise<AuditEntry | undefined>[] = [];
  for (;;) {
    while (ahead.length < NEWEST_FIRST_READ_AHEAD && next >= 1) {
      const read = readEntry(store, next--, req);
      // Handled here too: a read left unused when the reader stops must not be an unhandled rejection.
      read.catch(() => undefined);
      ahead.push(read);
    }
    const oldest = ahead.shift();
    if (oldest === undefined) return;
    const entry = await oldest;
    if (entry) yield entry;
  }
}

/** `hub/audit-head.json`, or undefined when absent or broken (a hint only: the entries themselves decide). */
export async function readHeadHint(store: ObjectStore, opts: RequestOptions): Promise<AuditHead | undefined> {
  const got = await store.get(storeLayout.auditHead, opts);
  if (got.kind !== 'found') return undefined;
  try {
    return parseJsonDocument(auditHeadSchema, got.body, storeLayout.auditHead);
  } catch {
    return undefined;
  }
}
