import { generateKeyPairSync } from 'node:crypto';
import { auditEntryHash, freezeSchema, listAll, storeLayout, type AuditDraft, type ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freeze, readFreeze, unfreeze } from '../control/freeze.js';
import { createAuditLog } from './audit-log.js';

const env = inject('driftlessEnv');
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups) c();
});

function s3Store() {
  const store = s3StoreFor(env, uniqueName('audit'));
  cleanups.push(() => store.destroy());
  return store;
}

/** `store` with every GET counted (`gets.n`). */
function countingGets(store: ObjectStore): { store: ObjectStore; gets: { n: number } } {
  const gets = { n: 0 };
  const counted: ObjectStore = {
    get: (key, opts) => {
      gets.n += 1;
      return store.get(key, opts);
    },
    head: (key, opts) => store.head(key, opts),
    putIfAbsent: (key, body, opts) => store.putIfAbsent(key, body, opts),
    put: (key, body, opts) => store.put(key, body, opts),
    list: (prefix, opts) => store.list(prefix, opts),
    delete: (key, opts) => store.delete(key, opts),
  };
  return { store: counted, gets };
}

const draft = (writer: number, i: number): AuditDraft => ({
  actor: `writer-${writer}`,
  action: 'wave.opened',
  subject: 'rollout/r1/ring/ring-0',
  reason: `entry ${i} of writer ${writer}`,
  data: { writer, i },
});

describe('audit log on MinIO', () => {
  it('four appenders writing ten entries each at once give one unbroken chain of 40 entries', async () => {
    const store = s3Store();
    const clock = new VirtualClock(Date.UTC(2026, 10, 22));
    const logs = [1, 2, 3, 4].map(() => createAuditLog({ store, clock }));
    await Promise.all(logs.map(async (log, w) => {
      for (let i = 0; i < 10; i++) await log.append([draft(w, i)]);
    }));
    const entries = await logs[0]!.read();
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Every draft is there exactly once: none lost, none written twice.
    expect(entries.map((e) => `${String(e.data['writer'])}/${String(e.data['i'])}`).sort()).toEqual(
      [0, 1, 2, 3].flatMap((w) => Array.from({ length: 10 }, (_, i) => `${w}/${i}`)).sort(),
    );
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prev).toBe(auditEntryHash(entries[i - 1]!));
    expect(await logs[3]!.verify()).toEqual({ ok: true, count: 40, last: { seq: 40, hash: auditEntryHash(entries[39]!) } });
  });

  it('a new log instance finds the newest entry (head hint, then probing) and chains to it', async () => {
    const store = s3Store();
    const clock = new VirtualClock(Date.UTC(2026, 10, 22));
    await createAuditLog({ store, clock }).append([draft(0, 0), draft(0, 1)]);
    // The hint lags: a third entry written by a writer that never updated it.
    await store.delete(storeLayout.auditHead);
    await createAuditLog({ store, clock }).append([draft(1, 0)]);
    await store.put(storeLayout.auditHead, new TextEncoder().encode(JSON.stringify({ seq: 1, hash: auditEntryHash((await createAuditLog({ store, clock }).read())[0]!) })));
    const [fourth] = await createAuditLog({ store, clock }).append([draft(2, 0)]);
    expect(fourth?.seq).toBe(4);
    expect(await createAuditLog({ store, clock }).verify()).toMatchObject({ ok: true, count: 4 });
  });

  it('signs entries with the hub key; verify with another key names the first entry', async () => {
    const store = s3Store();
    const clock = new VirtualClock(Date.UTC(2026, 10, 22));
    const ours = generateKeyPairSync('ed25519');
    const theirs = generateKeyPairSync('ed25519');
    const log = createAuditLog({ store, clock, signingKey: ours.privateKey });
    const [entry] = await log.append([draft(0, 0)]);
    expect(entry?.signature).toMatch(/^ed25519:/);
    expect(await log.verify({ verifier: ours.publicKey })).toMatchObject({ ok: true, count: 1 });
    expect(await log.verify({ verifier: theirs.publicKey })).toMatchObject({ ok: false, seq: 1, problem: expect.stringMatching(/^altered: its signature/) });
  });

  it('read({since}) returns entries at or after the time, in seq order', async () => {
    const store = s3Store();
    const clock = new VirtualClock(Date.UTC(2026, 10, 22));
    const log = createAuditLog({ store, clock });
    await log.append([draft(0, 0)]);
    await clock.advance(Date.UTC(2026, 10, 22) + 60_000);
    await log.append([draft(0, 1), draft(0, 2)]);
    expect((await log.read({ since: Date.UTC(2026, 10, 22) + 60_000 })).map((e) => e.seq)).toEqual([2, 3]);
  });
});

describe('audit log reads on MinIO, page by page', () => {
  it('read({since}) of the newest 6 of 50 entries finds them by binary search, not one GET per entry', async () => {
    const store = s3Store();
    const clock = new VirtualClock(Date.UTC(2026, 10, 22));
    const log = createAuditLog({ store, clock });
    for (let i = 0; i < 50; i++) {
      await log.append([draft(0, i)]);
      await clock.advance(clock.now() + 60_000);
    }
    const all = await log.read();
    const since = Date.parse(all[44]!.at);
    const { store: counted, gets } = countingGets(store);
    const recent = await createAuditLog({ store: counted, clock }).read({ since });
    expect(recent.map((e) => e.seq)).toEqual([45, 46, 47, 48, 49, 50]);
    // Head hint, tip probe, ~6 search probes, the 6 entries: far fewer than 50.
    expect(gets.n).toBeLessThan(20);
    expect(await createAuditLog({ store: counted, clock }).read({ since: Date.parse(all[49]!.at) + 1 })).toEqual([]);
    expect((await createAuditLog({ store: counted, clock }).read({ since: 0 })).map((e) => e.seq)).toEqual(all.map((e) => e.seq));
  });

  it('verify walks a log of several listing pages and names a gap on a page boundary', async () => {
    const store = s3Store();
    const clock = new VirtualClock(Date.UTC(2026, 10, 22));
    const log = createAuditLog({ store, clock, pageSize: 10 });
    await log.append(Array.from({ length: 25 }, (_, i) => draft(0, i)));
    const paged = createAuditLog({ store, clock, pageSize: 10 });
    expect(await paged.verify()).toMatchObject({ ok: true, count: 25, last: { seq: 25 } });
    const pages: number[] = [];
    for await (const page of paged.pages()) pages.push(page.length);
    expect(pages).toEqual([10, 10, 5]);
    await store.delete(storeLayout.auditEntry(11));
    expect(await paged.verify()).toMatchObject({ ok: false, seq: 11, problem: 'missing (the log jumps from entry 10 to 12)' });
  });
});

describe('freeze on MinIO', () => {
  it('freezes once, keeps the first freeze when frozen again, and unfreezes', async () => {
    const store = s3Store();
    const first = freezeSchema.parse({ apiVersion: 'driftless.dev/v1alpha1', kind: 'Freeze', actor: 'alice', at: '2026-11-22T10:00:00.000Z', reason: 'incident 42' });
    expect(await readFreeze(store)).toBeUndefined();
    expect(await freeze(store, first)).toEqual({ created: true, freeze: first });
    expect(await freeze(store, { ...first, actor: 'bob', reason: 'me too' })).toEqual({ created: false, freeze: first });
    expect(await readFreeze(store)).toEqual(first);
    expect(await unfreeze(store)).toEqual(first);
    expect(await unfreeze(store)).toBeUndefined();
    const keys: string[] = [];
    for await (const k of listAll(store, '')) keys.push(k);
    expect(keys).toEqual([]);
  });
});
