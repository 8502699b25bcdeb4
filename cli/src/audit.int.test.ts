import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalBytes, parseJsonDocument, signAuditEntry, storeLayout, auditEntrySchema, type AuditDraft, type ObjectStore } from '@driftless/core';
import { createAuditLog } from '@driftless/hub';
import { systemClock } from '@driftless/clock';
import { uniqueName } from '@driftless/contracts';
import { s3StoreFor } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { runCli, useCliS3 } from './testing/cli-run.js';

const env = inject('driftlessEnv');
const cleanups = useCliS3(env.s3);
const run = runCli;

function bucket(): { store: ObjectStore; url: string } {
  const prefix = uniqueName('cli-audit');
  const store = s3StoreFor(env, prefix);
  cleanups.push(() => store.destroy());
  return { store, url: `s3://${env.s3.bucket}/${prefix}` };
}

const draft = (i: number, reason = `reason ${i}`): AuditDraft => ({ actor: 'alice', action: 'rollout.approved', subject: `rollout/r1/ring/ring-${i}`, reason, data: { ring: `ring-${i}` } });

/** A log of `n` entries in a fresh prefix, signed when `key` is given. */
async function logOf(n: number, key?: ReturnType<typeof generateKeyPairSync>['privateKey']) {
  const b = bucket();
  await createAuditLog({ store: b.store, clock: systemClock, ...(key ? { signingKey: key } : {}) }).append(Array.from({ length: n }, (_, i) => draft(i + 1)));
  return b;
}

async function entryAt(store: ObjectStore, seq: number) {
  const got = await store.get(storeLayout.auditEntry(seq));
  if (got.kind !== 'found') throw new Error(`no entry ${seq}`);
  return parseJsonDocument(auditEntrySchema, got.body, 'entry');
}

async function keyFiles() {
  const dir = await mkdtemp(join(tmpdir(), 'driftless-audit-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const ours = generateKeyPairSync('ed25519');
  const theirs = generateKeyPairSync('ed25519');
  const pub = join(dir, 'ours.pub');
  const priv = join(dir, 'ours.key');
  await writeFile(pub, ours.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(priv, ours.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { ours, theirs, pub, priv };
}

describe('driftless audit verify on MinIO', () => {
  it('exits 0 on an intact log, with the count and newest seq', async () => {
    const { url } = await logOf(4);
    const r = await run(['audit', 'verify', '--store', url]);
    expect(r).toMatchObject({ code: 0, out: 'audit log verified: 4 entries, newest seq 4\n' });
  });

  it('exits 1 where the chain breaks after an entry whose JSON was rewritten with another reason', async () => {
    const { store, url } = await logOf(4);
    const e = await entryAt(store, 2);
    await store.put(storeLayout.auditEntry(2), canonicalBytes({ ...e, reason: 'nothing happened' }));
    const r = await run(['audit', 'verify', '--store', url]);
    expect(r.code).toBe(1);
    // Unsigned, the chain breaks between 2 and 3: entry 3 is named (an edited prev of 3 would look the same).
    expect(r.err).toMatch(/^error: audit verify failed: entry 3: altered: the chain breaks between entry 2 and 3/);
  });

  it('exits 1 naming the entry that was deleted', async () => {
    const { store, url } = await logOf(4);
    await store.delete(storeLayout.auditEntry(3));
    const r = await run(['audit', 'verify', '--store', url]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: audit verify failed: entry 3: missing \(the log jumps from entry 2 to 4\)/);
  });

  it('exits 1 naming the first of two swapped entries', async () => {
    const { store, url } = await logOf(4);
    const [two, three] = [await entryAt(store, 2), await entryAt(store, 3)];
    await store.put(storeLayout.auditEntry(2), canonicalBytes(three));
    await store.put(storeLayout.auditEntry(3), canonicalBytes(two));
    const r = await run(['audit', 'verify', '--store', url]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: audit verify failed: entry 2: out of order: it says seq 3 but is stored as entry 2/);
  });

  it('verifies a signed log with --verify-key and catches an entry re-signed with another key', async () => {
    const keys = await keyFiles();
    const { store, url } = await logOf(3, keys.ours.privateKey);
    expect(await run(['audit', 'verify', '--store', url, '--verify-key', keys.pub])).toMatchObject({ code: 0, out: 'audit log verified: 3 entries, newest seq 3\n' });
    const { signature: _s, ...unsigned } = await entryAt(store, 3);
    await store.put(storeLayout.auditEntry(3), canonicalBytes(signAuditEntry({ ...unsigned, reason: 'forged' }, keys.theirs.privateKey)));
    const r = await run(['audit', 'verify', '--store', url, '--verify-key', keys.pub]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: audit verify failed: entry 3: altered: its signature does not verify with the given key/);
  });

  it('verifies hub-signed and operator-signed entries with both keys; with the hub key alone names the operator\'s entry', async () => {
    const hub = await keyFiles();
    const operator = await keyFiles();
    const { url } = await logOf(2, hub.ours.privateKey);
    expect(await run(['freeze', '--store', url, '--reason', 'incident 42', '--as', 'alice', '--sign-key', operator.priv])).toMatchObject({ code: 0 });
    expect(await run(['audit', 'verify', '--store', url, '--verify-key', hub.pub, '--verify-key', operator.pub])).toMatchObject({ code: 0, out: 'audit log verified: 3 entries, newest seq 3\n' });
    const r = await run(['audit', 'verify', '--store', url, '--verify-key', hub.pub]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: audit verify failed: entry 3: altered: its signature does not verify with the given key/);
  });

  it('--allow-unsigned accepts an unsigned operator entry among signed ones but still checks the chain', async () => {
    const hub = await keyFiles();
    const { store, url } = await logOf(2, hub.ours.privateKey);
    expect(await run(['freeze', '--store', url, '--reason', 'incident 42', '--as', 'alice'])).toMatchObject({ code: 0 });
    expect((await run(['audit', 'verify', '--store', url, '--verify-key', hub.pub])).err).toMatch(/entry 3: unsigned/);
    expect(await run(['audit', 'verify', '--store', url, '--verify-key', hub.pub, '--allow-unsigned'])).toMatchObject({ code: 0, out: 'audit log verified: 3 entries, newest seq 3\n' });
    const e = await entryAt(store, 3);
    await store.put(storeLayout.auditEntry(3), canonicalBytes({ ...e, prev: `sha256:${'1'.repeat(64)}` }));
    const r = await run(['audit', 'verify', '--store', url, '--verify-key', hub.pub, '--allow-unsigned']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: audit verify failed: entry 3: altered: the chain breaks between entry 2 and 3/);
  });

  it('exits 2 naming --verify-key when the key file cannot be read', async () => {
    const { url } = await logOf(1);
    const r = await run(['audit', 'verify', '--store', url, '--verify-key', '/nonexistent/key.pub']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --verify-key \/nonexistent\/key.pub cannot be read/);
  });
});

describe('driftless freeze / unfreeze and audit log / export on MinIO', () => {
  it('freeze and unfreeze write control/freeze.json and signed audit entries; log and export show them', async () => {
    const keys = await keyFiles();
    const { store, url } = bucket();
    expect((await run(['freeze', '--store', url, '--as', 'alice'])).code).toBe(2);
    const frozen = await run(['freeze', '--store', url, '--reason', 'incident 42, "db"', '--as', 'alice', '--sign-key', keys.priv]);
    expect(frozen).toMatchObject({ code: 0, out: 'fleet frozen by alice: incident 42, "db"\n' });
    expect(await store.get(storeLayout.freeze)).toMatchObject({ kind: 'found' });
    const again = await run(['freeze', '--store', url, '--reason', 'me too', '--as', 'bob']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^already frozen by alice at .*: incident 42, "db" \(unchanged\)/);
    expect(await run(['unfreeze', '--store', url, '--reason', 'resolved', '--as', 'carol', '--sign-key', keys.priv])).toMatchObject({ code: 0 });
    expect(await store.get(storeLayout.freeze)).toEqual({ kind: 'not-found' });
    expect((await run(['unfreeze', '--store', url, '--reason', 'again', '--as', 'carol'])).out).toBe('fleet is not frozen: nothing to do\n');

    expect(await run(['audit', 'verify', '--store', url, '--verify-key', keys.pub])).toMatchObject({ code: 0, out: 'audit log verified: 2 entries, newest seq 2\n' });
    const log = await run(['audit', 'log', '--store', url, '--since', '1h']);
    expect(log.out.split('\n').slice(1, 3).map((l) => l.split(/\s{2,}/).filter((c, i) => i !== 1))).toEqual([
      ['1', 'alice', 'fleet.frozen', 'fleet', 'incident 42, "db"'],
      ['2', 'carol', 'fleet.unfrozen', 'fleet', 'resolved'],
    ]);
    const json = JSON.parse((await run(['audit', 'log', '--store', url, '--json'])).out) as { action: string; data: Record<string, unknown> }[];
    expect(json[1]).toMatchObject({ action: 'fleet.unfrozen', data: { frozenBy: 'alice', frozenReason: 'incident 42, "db"' } });
    expect((await run(['audit', 'log', '--store', url, '--since', '2999-01-01T00:00:00Z'])).out).toBe('no audit entries\n');
    expect((await run(['audit', 'log', '--store', url, '--since', 'yesterday'])).code).toBe(2);

    const csv = await run(['audit', 'export', '--store', url, '--format', 'csv']);
    const lines = csv.out.split('\r\n');
    expect(lines[0]).toBe('seq,when,who,what,resource,outcome,reason');
    expect(lines[1]).toMatch(/^1,[^,]+,alice,fleet\.frozen,fleet,frozen,"incident 42, ""db"""$/);
    expect(lines[2]).toMatch(/^2,[^,]+,carol,fleet\.unfrozen,fleet,unfrozen,resolved$/);
    const jsonl = (await run(['audit', 'export', '--store', url, '--format', 'jsonl'])).out.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(jsonl).toEqual([
      { seq: 1, when: expect.any(String), who: 'alice', what: 'fleet.frozen', resource: 'fleet', outcome: 'frozen', reason: 'incident 42, "db"' },
      { seq: 2, when: expect.any(String), who: 'carol', what: 'fleet.unfrozen', resource: 'fleet', outcome: 'unfrozen', reason: 'resolved' },
    ]);
    expect((await run(['audit', 'export', '--store', url, '--format', 'xml'])).code).toBe(2);
  });
});
