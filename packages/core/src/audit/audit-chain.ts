import type { KeyObject } from 'node:crypto';
import { canonicalBytes } from '../canonical-json.js';
import { digestOf, type Digest } from '../digest.js';
import { parseJsonDocument } from '../documents/common.js';
import { isDriftlessError } from '../errors.js';
import { documentSignature, documentSignatureValid } from '../signature.js';
import { AUDIT_GENESIS, auditEntrySchema, type AuditEntry } from './audit-entry.js';
import type { AuditHead } from './audit-head.js';

/** An entry before it is signed. */
export type UnsignedAuditEntry = Omit<AuditEntry, 'signature'>;

/**
 * The hash the next entry's `prev` names: `sha256:` + hex SHA-256 of the
 * entry's canonical bytes, signature included (so re-signing an entry breaks
 * the chain as surely as editing it).
 */
export function auditEntryHash(entry: AuditEntry): Digest {
  return digestOf(canonicalBytes(entry));
}

/** `entry` signed by `key` (Ed25519 private key), as pointers are: `ed25519:<base64>` over its canonical bytes without `signature`. */
export function signAuditEntry(entry: UnsignedAuditEntry, key: KeyObject): AuditEntry {
  const { signature: _drop, ...unsigned } = entry as AuditEntry;
  return { ...unsigned, signature: documentSignature(unsigned, key) };
}

/** Whether `entry` carries a signature that verifies with any of `keys`. */
export function auditSignatureValid(entry: AuditEntry, keys: readonly KeyObject[]): boolean {
  return documentSignatureValid(entry, keys);
}

/** One stored entry as read: `seq` from its key (`audit/<seq>.json`), `bytes` as stored. */
export interface StoredAuditEntry {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

/** What {@link verifyAuditChain} checks beyond the chain itself. */
export interface VerifyAuditChainOptions {
  /**
   * Public key(s): every entry must be signed by one of them (the hub's key
   * and each operator's own key). Absent: signatures are not checked.
   */
  readonly verifier?: KeyObject | readonly KeyObject[];
  /** With `verifier`: an unsigned entry is accepted (its place in the chain is still checked); a signed one must still verify. */
  readonly allowUnsigned?: boolean;
  /** `hub/audit-head.json` when present: the entry at its seq must exist and hash to its hash. */
  readonly head?: AuditHead;
}

/** The chain holds: `count` entries, `last` the newest (undefined for an empty log). */
export type AuditChainVerified = { readonly ok: true; readonly count: number; readonly last: AuditHead | undefined };
/** The first bad entry: `seq` names it, `problem` says in words what is wrong with it. */
export type AuditChainProblem = { readonly ok: false; readonly seq: number; readonly problem: string };

/**
 * Walks the audit log (every stored entry, in key order) and finds the first
 * entry that is not a valid entry, is stored under another seq than it says
 * or goes back in time (out of order), is missing (a gap in seq), was altered
 * (its signature is invalid, or its `prev` is not the previous entry's hash:
 * then the chain breaks between the two and, unsigned, either may have been
 * edited, so the later one is named), or is unsigned while a verify key is
 * given (unless `allowUnsigned`).
 *
 * The chain protects every entry by the next one's `prev`; the newest entry
 * has no successor, so an edit to it is caught only by its signature (signed
 * logs) and by `hub/audit-head.json`'s hash when `head` is given and still
 * names it. Deleting newest entries is caught only by `head`.
 */
export function verifyAuditChain(entries: Iterable<StoredAuditEntry>, opts: VerifyAuditChainOptions = {}): AuditChainVerified | AuditChainProblem {
  const walker = createAuditChainWalker(opts);
  for (const stored of entries) {
    const found = walker.add(stored);
    if (found) return found;
  }
  return walker.finish();
}

/**
 * {@link verifyAuditChain} one entry at a time, for a log read page by page:
 * `add` each stored entry in key order (it answers the first problem, after
 * which the walk is over), then `finish` for the result. Keeps only the
 * previous entry, so memory does not grow with the log.
 */
export interface AuditChainWalker {
  add(stored: StoredAuditEntry): AuditChainProblem | undefined;
  finish(): AuditChainVerified | AuditChainProblem;
}

/** A walker over one log with `opts` (see {@link verifyAuditChain}). */
export function createAuditChainWalker(opts: VerifyAuditChainOptions = {}): AuditChainWalker {
  const keys = opts.verifier === undefined ? undefined : Array.isArray(opts.verifier) ? (opts.verifier as readonly KeyObject[]) : [opts.verifier as KeyObject];
  let previous: { entry: AuditEntry; hash: Digest } | undefined;
  let count = 0;
  return {
    add(stored) {
      const expected = (previous?.entry.seq ?? 0) + 1;
      if (stored.seq !== expected) {
        const after = previous ? `the log jumps from entry ${previous.entry.seq} to ${stored.seq}` : `the log starts at entry ${stored.seq}`;
        return problem(expected, `missing (${after})`);
      }
      const checked = checkEntry(stored, previous, keys, opts.allowUnsigned === true);
      if (!checked.ok) return checked;
      previous = { entry: checked.entry, hash: auditEntryHash(checked.entry) };
      count += 1;
      if (opts.head && opts.head.seq === stored.seq && opts.head.hash !== previous.hash) {
        return problem(stored.seq, `altered: its hash ${previous.hash} does not match hub/audit-head.json's ${opts.head.hash}`);
      }
      return undefined;
    },
    finish() {
      if (opts.head && opts.head.seq > (previous?.entry.seq ?? 0)) {
        const ends = previous ? `the log ends at entry ${previous.entry.seq}` : 'the log is empty';
        return problem((previous?.entry.seq ?? 0) + 1, `missing (hub/audit-head.json names entry ${opts.head.seq} but ${ends})`);
      }
      return { ok: true, count, last: previous && { seq: previous.entry.seq, hash: previous.hash } };
    },
  };
}

/** One entry's checks against its key and the entry before it. */
function checkEntry(
  stored: StoredAuditEntry,
  previous: { entry: AuditEntry; hash: Digest } | undefined,
  keys: readonly KeyObject[] | undefined,
  allowUnsigned: boolean,
): { ok: true; entry: AuditEntry } | AuditChainProblem {
  let entry: AuditEntry;
  try {
    entry = parseJsonDocument(auditEntrySchema, stored.bytes, `audit entry ${stored.seq}`);
  } catch (err) {
    if (!isDriftlessError(err)) throw err;
    return problem(stored.seq, `not a valid entry (${err.message})`);
  }
  if (entry.seq !== stored.seq) return problem(stored.seq, `out of order: it says seq ${entry.seq} but is stored as entry ${stored.seq}`);
  // Its own signature first: an entry whose prev was edited is the altered one, not the entry before it.
  if (keys && entry.signature === undefined && !allowUnsigned) return problem(stored.seq, 'unsigned: it has no signature and a verify key was given');
  if (keys && entry.signature !== undefined && !auditSignatureValid(entry, keys)) {
    return problem(stored.seq, `altered: its signature does not verify with the given ${keys.length > 1 ? 'keys' : 'key'} (edited, or signed with another key)`);
  }
  if (previous === undefined && entry.prev !== AUDIT_GENESIS) {
    return problem(stored.seq, `altered: it is the first entry but its prev is ${entry.prev}, not the genesis ${AUDIT_GENESIS}`);
  }
  if (previous && entry.prev !== previous.hash) {
    // Without signatures an edited entry k-1 and an edited prev of entry k look alike: name k, where the chain breaks.
    const k = stored.seq;
    return problem(k, `altered: the chain breaks between entry ${k - 1} and ${k}: its prev ${entry.prev} is not entry ${k - 1}'s hash ${previous.hash} (entry ${k - 1} or this prev was edited)`);
  }
  if (previous && Date.parse(entry.at) < Date.parse(previous.entry.at)) {
    return problem(stored.seq, `out of order: its time ${entry.at} is earlier than entry ${previous.entry.seq}'s ${previous.entry.at}`);
  }
  return { ok: true, entry };
}

function problem(seq: number, text: string): AuditChainProblem {
  return { ok: false, seq, problem: text };
}
