import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../canonical-json.js';
import { digestOf } from '../digest.js';
import { auditEntryHash, signAuditEntry, verifyAuditChain, type StoredAuditEntry, type UnsignedAuditEntry } from './audit-chain.js';
import { AUDIT_GENESIS, type AuditEntry } from './audit-entry.js';

const ours = generateKeyPairSync('ed25519');
const theirs = generateKeyPairSync('ed25519');

/** A well-formed chain of `n` entries, one minute apart, signed with `key` when given. */
function chain(n: number, key = ours.privateKey as typeof ours.privateKey | undefined): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const previous = out[seq - 2];
    const unsigned: UnsignedAuditEntry = {
      seq,
      prev: previous ? auditEntryHash(previous) : AUDIT_GENESIS,
      at: new Date(Date.UTC(2026, 10, 22, 10, seq)).toISOString(),
      actor: 'alice@ops',
      action: 'rollout.approved',
      subject: 'rollout/r1/ring/ring-1',
      reason: `change ${seq}`,
      data: { ring: 'ring-1' },
    };
    out.push(key ? signAuditEntry(unsigned, key) : unsigned);
  }
  return out;
}

const stored = (entries: readonly unknown[]): StoredAuditEntry[] =>
  entries.map((e, i) => ({ seq: i + 1, bytes: new TextEncoder().encode(JSON.stringify(e)) }));

describe('auditEntryHash', () => {
  it('is sha256: over the canonical bytes, signature included', () => {
    const [entry] = chain(1);
    expect(entry).toBeDefined();
    expect(auditEntryHash(entry!)).toBe(digestOf(canonicalBytes(entry)));
    const { signature: _s, ...unsigned } = entry!;
    expect(auditEntryHash(unsigned)).not.toBe(auditEntryHash(entry!));
  });
});

describe('verifyAuditChain', () => {
  it('accepts an intact signed chain and names its newest entry', () => {
    const entries = chain(4);
    const result = verifyAuditChain(stored(entries), { verifier: ours.publicKey, head: { seq: 4, hash: auditEntryHash(entries[3]!) } });
    expect(result).toEqual({ ok: true, count: 4, last: { seq: 4, hash: auditEntryHash(entries[3]!) } });
  });

  it('accepts an empty log', () => {
    expect(verifyAuditChain([])).toEqual({ ok: true, count: 0, last: undefined });
  });

  it('accepts a head hint that lags behind the log', () => {
    const entries = chain(4, undefined);
    expect(verifyAuditChain(stored(entries), { head: { seq: 2, hash: auditEntryHash(entries[1]!) } })).toMatchObject({ ok: true, count: 4 });
  });

  it('accepts entries signed by different keys when every key is given (hub and operators)', () => {
    const e = chain(3);
    const { signature: _s, ...unsigned } = e[1]!;
    e[1] = signAuditEntry(unsigned, theirs.privateKey);
    // Entry 3 chains to the operator-signed entry 2.
    const { signature: _t, ...third } = e[2]!;
    e[2] = signAuditEntry({ ...third, prev: auditEntryHash(e[1]) }, ours.privateKey);
    expect(verifyAuditChain(stored(e), { verifier: [ours.publicKey, theirs.publicKey] })).toMatchObject({ ok: true, count: 3 });
    expect(verifyAuditChain(stored(e), { verifier: [ours.publicKey] })).toMatchObject({ ok: false, seq: 2, problem: expect.stringMatching(/^altered: its signature/) });
  });

  it('with allowUnsigned accepts unsigned entries among signed ones', () => {
    const e = chain(3);
    const { signature: _s, ...unsigned } = e[0]!;
    e[0] = unsigned;
    const { signature: _t, ...second } = e[1]!;
    e[1] = signAuditEntry({ ...second, prev: auditEntryHash(e[0]) }, ours.privateKey);
    const { signature: _u, ...third } = e[2]!;
    e[2] = signAuditEntry({ ...third, prev: auditEntryHash(e[1]) }, ours.privateKey);
    expect(verifyAuditChain(stored(e), { verifier: ours.publicKey, allowUnsigned: true })).toMatchObject({ ok: true, count: 3 });
    expect(verifyAuditChain(stored(e), { verifier: ours.publicKey })).toMatchObject({ ok: false, seq: 1, problem: expect.stringMatching(/^unsigned/) });
  });

  type Case = { name: string; make: () => { entries: StoredAuditEntry[]; opts?: Parameters<typeof verifyAuditChain>[1] }; seq: number; problem: RegExp };
  const cases: Case[] = [
    {
      name: 'an entry altered (reason changed): the next entry\'s prev no longer matches',
      make: () => {
        const e = chain(4, undefined);
        e[1] = { ...e[1]!, reason: 'nothing to see' };
        return { entries: stored(e) };
      },
      // Unsigned, an edited entry 2 and an edited prev of entry 3 look the same: the chain breaks between them.
      seq: 3,
      problem: /^altered: the chain breaks between entry 2 and 3: its prev sha256:[0-9a-f]{64} is not entry 2's hash sha256:[0-9a-f]{64}/,
    },
    {
      name: 'an entry\'s prev edited (unsigned log): names that entry, not the one before',
      make: () => {
        const e = chain(4, undefined);
        e[2] = { ...e[2]!, prev: `sha256:${'2'.repeat(64)}` };
        return { entries: stored(e) };
      },
      seq: 3,
      problem: /^altered: the chain breaks between entry 2 and 3: its prev sha256:2{64} is not entry 2's hash/,
    },
    {
      name: 'an unsigned entry with --allow-unsigned still breaks the chain when edited',
      make: () => {
        const e = chain(4);
        const { signature: _s, ...unsigned } = e[1]!;
        e[1] = { ...unsigned, reason: 'nothing to see' };
        return { entries: stored(e), opts: { verifier: ours.publicKey, allowUnsigned: true } };
      },
      seq: 3,
      problem: /^altered: the chain breaks between entry 2 and 3/,
    },
    {
      name: 'a signed entry with --allow-unsigned must still verify',
      make: () => {
        const e = chain(3, undefined);
        e[1] = signAuditEntry(e[1]!, theirs.privateKey);
        return { entries: stored(e), opts: { verifier: ours.publicKey, allowUnsigned: true } };
      },
      seq: 2,
      problem: /^altered: its signature does not verify/,
    },
    {
      name: 'a signed entry altered: its signature no longer verifies',
      make: () => {
        const e = chain(4);
        e[1] = { ...e[1]!, reason: 'nothing to see' };
        return { entries: stored(e), opts: { verifier: ours.publicKey } };
      },
      seq: 2,
      problem: /^altered: its signature does not verify with the given key/,
    },
    {
      name: 'an entry re-signed with another key',
      make: () => {
        const e = chain(3);
        const { signature: _s, ...unsigned } = e[2]!;
        e[2] = signAuditEntry(unsigned, theirs.privateKey);
        return { entries: stored(e), opts: { verifier: [ours.publicKey] } };
      },
      seq: 3,
      problem: /^altered: its signature does not verify/,
    },
    {
      name: 'the newest entry altered, caught by the head hash',
      make: () => {
        const e = chain(3, undefined);
        const head = { seq: 3, hash: auditEntryHash(e[2]!) };
        e[2] = { ...e[2]!, actor: 'mallory' };
        return { entries: stored(e), opts: { head } };
      },
      seq: 3,
      problem: /^altered: its hash .* does not match hub\/audit-head\.json's/,
    },
    {
      name: 'an entry missing (a gap in seq)',
      make: () => ({ entries: stored(chain(4)).filter((s) => s.seq !== 3) }),
      seq: 3,
      problem: /^missing \(the log jumps from entry 2 to 4\)/,
    },
    {
      name: 'the first entry missing',
      make: () => ({ entries: stored(chain(2)).slice(1) }),
      seq: 1,
      problem: /^missing \(the log starts at entry 2\)/,
    },
    {
      name: 'the newest entries deleted, caught by the head',
      make: () => {
        const e = chain(4);
        return { entries: stored(e).slice(0, 2), opts: { head: { seq: 4, hash: auditEntryHash(e[3]!) } } };
      },
      seq: 3,
      problem: /^missing \(hub\/audit-head\.json names entry 4 but the log ends at entry 2\)/,
    },
    {
      name: 'two entries swapped: the seq in the document does not match its key',
      make: () => {
        const e = chain(4);
        [e[1], e[2]] = [e[2]!, e[1]!];
        return { entries: stored(e) };
      },
      seq: 2,
      problem: /^out of order: it says seq 3 but is stored as entry 2/,
    },
    {
      name: 'time going backwards',
      make: () => {
        const e = chain(3, undefined);
        e[2] = { ...e[2]!, at: '2026-11-22T09:00:00.000Z' };
        return { entries: stored(e) };
      },
      seq: 3,
      problem: /^out of order: its time 2026-11-22T09:00:00.000Z is earlier than entry 2's/,
    },
    {
      name: 'not a valid entry (schema)',
      make: () => {
        const e: unknown[] = chain(3);
        e[1] = { ...(e[1] as AuditEntry), action: 'coffee.made' };
        return { entries: stored(e) };
      },
      seq: 2,
      problem: /^not a valid entry \(audit entry 2 read failed: action:/,
    },
    {
      name: 'not JSON at all',
      make: () => {
        const s = stored(chain(2));
        s[1] = { seq: 2, bytes: new TextEncoder().encode('{"seq": 2,') };
        return { entries: s };
      },
      seq: 2,
      problem: /^not a valid entry \(audit entry 2 read failed: not JSON/,
    },
    {
      name: 'the first entry not chained to the genesis',
      make: () => {
        const e = chain(2, undefined);
        e[0] = { ...e[0]!, prev: `sha256:${'1'.repeat(64)}` };
        return { entries: stored(e) };
      },
      seq: 1,
      problem: /^altered: it is the first entry but its prev is sha256:1{64}, not the genesis/,
    },
    {
      name: 'an unsigned entry while a verify key is given',
      make: () => {
        const e = chain(3);
        const { signature: _s, ...unsigned } = e[2]!;
        e[2] = unsigned;
        return { entries: stored(e), opts: { verifier: ours.publicKey } };
      },
      seq: 3,
      problem: /^unsigned: it has no signature and a verify key was given/,
    },
  ];

  it.each(cases)('names the first bad entry: $name', ({ make, seq, problem }) => {
    const { entries, opts } = make();
    const result = verifyAuditChain(entries, opts);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.seq).toBe(seq);
    expect(result.problem).toMatch(problem);
  });
});
