import { createFileStore } from '@driftless/store';
import { VirtualClock } from '@driftless/fakes';
import type { ObjectStore } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.js';
import { NEWEST_FIRST_READ_AHEAD } from '../audit/audit-reads.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { auditPageOf } from './read-routes.js';

const tempDir = tempDirs('audit-page');
/** The dashboard's clock, virtual: time moves only when a test moves it. */
const clock = new VirtualClock(Date.parse('2026-01-31T00:00:00Z'));
const upTo = (maxScanned: number) => ({ clock, maxScanned });

/** An audit log of 30 entries on a `file:` store: every 10th is bob's freeze, the rest alice's. */
async function thirtyEntries(store?: ObjectStore) {
  const audit = createAuditLog({ store: store ?? createFileStore(await tempDir(), { durable: false }), clock });
  await audit.append(
    Array.from({ length: 30 }, (_, i) => ({ actor: (i + 1) % 10 === 0 ? 'bob' : 'alice', action: (i + 1) % 10 === 0 ? 'fleet.frozen' : 'fleet.unfrozen', subject: 'fleet', reason: `entry ${i + 1}`, data: {} }) as const),
  );
  return audit;
}

describe('GET /audit\'s page', () => {
  it('examines at most maxScanned entries, then says truncated with the cursor to go on from', async () => {
    const audit = await thirtyEntries();
    const q = new URLSearchParams({ actor: 'bob' });
    const first = await auditPageOf(audit, q, upTo(10));
    // Entries 30..21 examined: only 30 is bob's; the next request starts at 20.
    expect(first).toEqual({ entries: [expect.objectContaining({ seq: 30, actor: 'bob' })], truncated: true, before: 21 });

    const seen = [...first.entries.map((e) => e.seq)];
    let page = first;
    while (page.truncated) {
      page = await auditPageOf(audit, new URLSearchParams({ actor: 'bob', before: String(page.before) }), upTo(10));
      seen.push(...page.entries.map((e) => e.seq));
    }
    expect(seen).toEqual([30, 20, 10]);
  });

  it('gives a cursor when `limit` cuts the answer, and reads nothing above a cursor past the newest entry', async () => {
    const audit = await thirtyEntries();
    const page = await auditPageOf(audit, new URLSearchParams({ limit: '5' }), { clock });
    expect([page.entries.map((e) => e.seq), page.truncated, page.before]).toEqual([[30, 29, 28, 27, 26], true, 26]);
    const next = await auditPageOf(audit, new URLSearchParams({ limit: '3', before: String(page.before) }), { clock });
    expect(next.entries.map((e) => e.seq)).toEqual([25, 24, 23]);
    const past = await auditPageOf(audit, new URLSearchParams({ limit: '2', before: '9007199254740991' }), upTo(12));
    expect(past.entries.map((e) => e.seq)).toEqual([30, 29]);
  });

  it('stops after AUDIT_SCAN_BUDGET_MS of the dashboard clock, examining one entry at least, and the cursor reaches every match', async () => {
    const audit = await thirtyEntries();
    // A slow store: each entry read costs 250 ms of the (virtual) clock, so 2 s pass at the 8th.
    const slow = {
      async *newestFirst(opts?: { before?: number }) {
        for await (const e of audit.newestFirst(opts)) {
          await clock.advance(clock.now() + 250);
          yield e;
        }
      },
    };
    const first = await auditPageOf(slow, new URLSearchParams({ actor: 'bob' }), { clock });
    // 30..24 examined in 1.75 s; at entry 23 the budget is spent: the next request starts there.
    expect(first).toEqual({ entries: [expect.objectContaining({ seq: 30 })], truncated: true, before: 24 });
    const seen = [...first.entries.map((e) => e.seq)];
    let page = first;
    while (page.truncated) {
      page = await auditPageOf(slow, new URLSearchParams({ actor: 'bob', before: String(page.before) }), { clock, budgetMs: 100 });
      // Each entry alone overruns a 100 ms budget, yet every request examines one: the cursor moves by one.
      seen.push(...page.entries.map((e) => e.seq));
    }
    expect(seen).toEqual([30, 20, 10]);
  });

  it(`reads the log newest first with ${NEWEST_FIRST_READ_AHEAD} GETs in flight, in seq order`, async () => {
    const files = createFileStore(await tempDir(), { durable: false });
    let inFlight = 0;
    let most = 0;
    const counting: ObjectStore = Object.assign(Object.create(files) as ObjectStore, {
      async get(...args: Parameters<ObjectStore['get']>) {
        most = Math.max(most, ++inFlight);
        try {
          return await files.get(...args);
        } finally {
          inFlight -= 1;
        }
      },
    });
    const audit = await thirtyEntries(counting);
    most = 0;
    const seqs: number[] = [];
    for await (const e of audit.newestFirst()) seqs.push(e.seq);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
    expect(most).toBe(NEWEST_FIRST_READ_AHEAD);
  });
});
