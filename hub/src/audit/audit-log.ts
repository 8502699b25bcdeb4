import type { KeyObject } from 'node:crypto';
import {
  AUDIT_GENESIS,
  auditEntryHash,
  canonicalBytes,
  createAuditChainWalker,
  DriftlessError,
  signAuditEntry,
  storeLayout,
  type AuditChainProblem,
  type AuditChainVerified,
  type AuditDraft,
  type AuditEntry,
  type AuditHead,
  type Clock,
  type ObjectStore,
  type RequestOptions,
} from '@driftless/core';
import { entryPagesFrom, findTip, firstSeqSince, newestFirst, parseStoredEntry, readHeadHint, storedPages, type AuditTip } from './audit-reads.js';

export { auditSeqOfKey } from './audit-reads.js';

/** How many times one entry is retried at the next seq after other writers took the one it tried. */
const MAX_APPEND_ATTEMPTS = 64;
/** Entries per page when reading (S3's listing page). */
const DEFAULT_PAGE_SIZE = 1000;

/** What {@link createAuditLog} works with. */
export interface AuditLogDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** Signs every entry this log appends (Ed25519 private key; the hub's --sign-key). */
  readonly signingKey?: KeyObject;
  /** Entries per page when reading (default 1,000, the store's listing page): bounds memory for logs of any size. */
  readonly pageSize?: number;
}

/** Options of {@link AuditLog.pages} and {@link AuditLog.read}. */
export type AuditReadOptions = { readonly since?: number } & RequestOptions;

/** The audit log in the store: append, read and verify (see {@link createAuditLog}). */
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
   * Every entry in seq order, in pages of at most `pageSize`; with `since`
   * (ms since the epoch) only those at or after it, found by a binary search
   * on seq (entries' `at` never decreases), so a recent window costs a few
   * dozen GETs, not one per entry. A stored entry that is not a valid entry
   * is a stalled `InvalidDocument` naming it (`audit verify` tells what is wrong).
   */
  pages(opts?: AuditReadOptions): AsyncIterable<AuditEntry[]>;
  /** {@link AuditLog.pages} gathered into one array: for small windows and tests. */
  read(opts?: AuditReadOptions): Promise<AuditEntry[]>;
  /**
   * Walks the whole log page by page with a chain walker ({@link verifyAuditChain}'s checks),
   * `hub/audit-head.json` included when present.
   */
  verify(opts?: { readonly verifier?: KeyObject | readonly KeyObject[]; readonly allowUnsigned?: boolean } & RequestOptions): Promise<AuditChainVerified | AuditChainProblem>;
  /**
   * The entries newest first, one GET each, for as long as the caller
   * iterates (an append's repair looks back a little); with `before`, from
   * the entry just below that seq (the dashboard's audit cursor).
   */
  newestFirst(opts?: RequestOptions & { readonly before?: number }): AsyncIterable<AuditEntry>;
}

/** The audit log in `store` (`audit/<seq>.json`, `hub/audit-head.json`). */
export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const { store, clock, signingKey } = deps;
  let known: AuditTip | undefined;
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;

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

    async *pages(opts = {}) {
      const { since, ...req } = opts;
      if (since === undefined) {
        for await (const stored of storedPages(store, { ...req, pageSize })) yield stored.map(parseStoredEntry);
        return;
      }
      const tip = await findTip(store, undefined, req);
      if (tip === undefined || tip.atMs < since) return;
      const first = await firstSeqSince(store, since, tip.seq, req);
      yield* entryPagesFrom(store, first, tip.seq, { ...req, pageSize });
    },

    async read(opts = {}) {
      const entries: AuditEntry[] = [];
      for await (const page of this.pages(opts)) entries.push(...page);
      return entries;
    },

    async verify(opts = {}) {
      const { verifier, allowUnsigned, ...req } = opts;
      // The head first: it is written after its entry, so it never names one the listing below cannot see.
      const head = await readHeadHint(store, req);
      const walker = createAuditChainWalker({ ...(verifier ? { verifier } : {}), ...(allowUnsigned ? { allowUnsigned } : {}), ...(head ? { head } : {}) });
      for await (const page of storedPages(store, { ...req, pageSize })) {
        for (const stored of page) {
          const found = walker.add(stored);
          if (found) return found;
        }
      }
      return walker.finish();
    },

    newestFirst(opts = {}) {
      return newestFirst(store, opts);
    },
  };
}

/** Best effort: the entries are written; a lost hint only costs the next appender a listing. */
async function writeHeadHint(store: ObjectStore, tip: AuditTip, opts: RequestOptions): Promise<void> {
  const head: AuditHead = { seq: tip.seq, hash: tip.hash };
  await store.put(storeLayout.auditHead, canonicalBytes(head), { ...opts, contentType: 'application/json' }).catch(() => undefined);
}
