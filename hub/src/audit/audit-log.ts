import type { KeyObject } from 'node:crypto';
import {
  AUDIT_GENESIS,
  auditEntryHash,
  auditEntrySchema,
  auditHeadSchema,
  canonicalBytes,
  DriftlessError,
  listAll,
  parseJsonDocument,
  signAuditEntry,
  storeLayout,
  verifyAuditChain,
  type AuditChainProblem,
  type AuditChainVerified,
  type AuditDraft,
  type AuditEntry,
  type AuditHead,
  type Clock,
  type Digest,
  type ObjectStore,
  type RequestOptions,
  type StoredAuditEntry,
} from '@driftless/core';

/** How many times one entry is retried at the next seq after other writers took the one it tried. */
const MAX_APPEND_ATTEMPTS = 64;
/** Parallel GETs while reading the log. */
const READ_CONCURRENCY = 16;

export interface AuditLogDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** Signs every entry this log appends (Ed25519 private key; the hub's --sign-key). */
  readonly signingKey?: KeyObject;
}

/** The newest entry as an appender knows it: where the next one goes and what it chains to. */
interface Tip {
  readonly seq: number;
  readonly hash: Digest;
  readonly atMs: number;
}

export interface AuditLog {
  /**
   * Appends one entry per draft, in order, each put-if-absent at the next
   * seq with `prev` = the hash of the entry before. When another writer took
   * that seq, re-reads the newest entry and retries after it, so concurrent
   * appenders never fork the chain and never lose an entry. `at` is the
   * clock's now, or the previous entry's time when that is later (clocks of
   * several writers differ; the log's times never go backwards). Resolves
   * with the entries written. Throws a transient `AuditConflict` when other
   * writers won every one of {@link MAX_APPEND_ATTEMPTS} attempts.
   */
  append(drafts: readonly AuditDraft[], opts?: RequestOptions): Promise<AuditEntry[]>;
  /**
   * Every entry in seq order; with `since` (ms since the epoch) only those at
   * or after it. A stored entry that is not a valid entry is a stalled
   * `InvalidDocument` naming it (`audit verify` tells what is wrong).
   */
  read(opts?: { readonly since?: number } & RequestOptions): Promise<AuditEntry[]>;
  /** Walks the whole log with {@link verifyAuditChain}, `hub/audit-head.json` included when present. */
  verify(opts?: { readonly verifier?: KeyObject | readonly KeyObject[] } & RequestOptions): Promise<AuditChainVerified | AuditChainProblem>;
}

/** The audit log in `store` (`audit/<seq>.json`, `hub/audit-head.json`). */
export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const { store, clock, signingKey } = deps;
  let known: Tip | undefined;

  async function appendOne(draft: AuditDraft, opts: RequestOptions): Promise<AuditEntry> {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const tip = known ?? (await findTip(store, undefined, opts));
      const unsigned = {
        seq: (tip?.seq ?? 0) + 1,
        prev: tip?.hash ?? AUDIT_GENESIS,
        at: new Date(Math.max(clock.now(), tip?.atMs ?? 0)).toISOString(),
        actor: draft.actor,
        action: draft.action,
        subject: draft.subject,
        ...(draft.reason === undefined ? {} : { reason: draft.reason }),
        data: { ...draft.data },
      };
      const entry = signingKey ? signAuditEntry(unsigned, signingKey) : unsigned;
      const put = await store.putIfAbsent(storeLayout.auditEntry(entry.seq), canonicalBytes(entry), { ...opts, contentType: 'application/json' });
      if (put.kind === 'created') {
        known = { seq: entry.seq, hash: auditEntryHash(entry), atMs: Date.parse(entry.at) };
        return entry;
      }
      // Another writer took this seq: probe forward from it for the newest entry.
      known = await findTip(store, tip, opts);
    }
    const seq = (known?.seq ?? 0) + 1;
    throw new DriftlessError('AuditConflict', `audit entry ${seq} append failed: other writers took every seq tried ${MAX_APPEND_ATTEMPTS} times`, { seq });
  }

  return {
    async append(drafts, opts = {}) {
      const written: AuditEntry[] = [];
      for (const draft of drafts) written.push(await appendOne(draft, opts));
      if (known && written.length > 0) await writeHeadHint(store, known, opts);
      return written;
    },

    async read(opts = {}) {
      const entries: AuditEntry[] = [];
      for (const stored of await readStored(store, opts)) {
        const entry = parseJsonDocument(auditEntrySchema, stored.bytes, `audit entry ${storeLayout.auditEntry(stored.seq)}`);
        if (opts.since === undefined || Date.parse(entry.at) >= opts.since) entries.push(entry);
      }
      return entries;
    },

    async verify(opts = {}) {
      // The head first: it is written after its entry, so it never names one the listing below cannot see.
      const head = await readHeadHint(store, opts);
      const stored = await readStored(store, opts);
      return verifyAuditChain(stored, { ...(opts.verifier ? { verifier: opts.verifier } : {}), ...(head ? { head } : {}) });
    },
  };
}

/**
 * The newest entry: from `from` (or the head hint) probe forward with GETs
 * until not-found; without either, or when the hint names no entry, list `audit/`.
 */
async function findTip(store: ObjectStore, from: Tip | undefined, opts: RequestOptions): Promise<Tip | undefined> {
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

/** The entry at `seq` as a tip, or undefined when there is none. */
async function readTip(store: ObjectStore, seq: number, opts: RequestOptions): Promise<Tip | undefined> {
  const key = storeLayout.auditEntry(seq);
  const got = await store.get(key, opts);
  if (got.kind !== 'found') return undefined;
  const entry = parseJsonDocument(auditEntrySchema, got.body, `audit entry ${key}`);
  return { seq, hash: auditEntryHash(entry), atMs: Date.parse(entry.at) };
}

/** The seq of an `audit/<16 digits>.json` key, or undefined for any other key. */
export function auditSeqOfKey(key: string): number | undefined {
  const m = /^audit\/(\d{16})\.json$/.exec(key);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

async function lastListedSeq(store: ObjectStore, opts: RequestOptions): Promise<number | undefined> {
  let last: number | undefined;
  for await (const key of listAll(store, storeLayout.auditPrefix, opts)) last = auditSeqOfKey(key) ?? last;
  return last;
}

/** Every stored entry's bytes, in key order (seq order: keys are zero-padded). */
async function readStored(store: ObjectStore, opts: RequestOptions): Promise<StoredAuditEntry[]> {
  const seqs: number[] = [];
  for await (const key of listAll(store, storeLayout.auditPrefix, opts)) {
    const seq = auditSeqOfKey(key);
    if (seq !== undefined) seqs.push(seq);
  }
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

async function readHeadHint(store: ObjectStore, opts: RequestOptions): Promise<AuditHead | undefined> {
  const got = await store.get(storeLayout.auditHead, opts);
  if (got.kind !== 'found') return undefined;
  try {
    return parseJsonDocument(auditHeadSchema, got.body, storeLayout.auditHead);
  } catch {
    // A hint only: a broken one is ignored, and the entries themselves decide.
    return undefined;
  }
}

/** Best effort: the entries are written; a lost hint only costs the next appender a listing. */
async function writeHeadHint(store: ObjectStore, tip: Tip, opts: RequestOptions): Promise<void> {
  const head: AuditHead = { seq: tip.seq, hash: tip.hash };
  await store.put(storeLayout.auditHead, canonicalBytes(head), { ...opts, contentType: 'application/json' }).catch(() => undefined);
}
