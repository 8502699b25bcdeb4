import { createFileStore } from '@driftless/store';
import { VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { auditPageOf } from './read-routes.js';

const tempDir = tempDirs('audit-page');

/** An audit log of 30 entries on a `file:` store: every 10th is bob's freeze, the rest alice's. */
async function thirtyEntries() {
  const audit = createAuditLog({ store: createFileStore(await tempDir(), { durable: false }), clock: new VirtualClock(Date.parse('2026-01-31T00:00:00Z')) });
  await audit.append(
    Array.from({ length: 30 }, (_, i) => ({ actor: (i + 1) % 10 === 0 ? 'bob' : 'alice', action: (i + 1) % 10 === 0 ? 'fleet.frozen' : 'fleet.unfrozen', subject: 'fleet', reason: `entry ${i + 1}`, data: {} }) as const),
  );
  return audit;
}

describe('GET /audit\'s page', () => {
  it('examines at most maxScanned entries, then says truncated with the cursor to go on from', async () => {
    const audit = await thirtyEntries();
    const q = new URLSearchParams({ actor: 'bob' });
    const first = await auditPageOf(audit, q, 10);
    // Entries 30..21 examined: only 30 is bob's; the next request starts at 20.
    expect(first).toEqual({ entries: [expect.objectContaining({ seq: 30, actor: 'bob' })], truncated: true, before: 21 });

    const seen = [...first.entries.map((e) => e.seq)];
    let page = first;
    while (page.truncated) {
      page = await auditPageOf(audit, new URLSearchParams({ actor: 'bob', before: String(page.before) }), 10);
      seen.push(...page.entries.map((e) => e.seq));
    }
    expect(seen).toEqual([30, 20, 10]);
  });

  it('gives a cursor when `limit` cuts the answer, and reads nothing above a cursor past the newest entry', async () => {
    const audit = await thirtyEntries();
    const page = await auditPageOf(audit, new URLSearchParams({ limit: '5' }));
    expect([page.entries.map((e) => e.seq), page.truncated, page.before]).toEqual([[30, 29, 28, 27, 26], true, 26]);
    const next = await auditPageOf(audit, new URLSearchParams({ limit: '3', before: String(page.before) }));
    expect(next.entries.map((e) => e.seq)).toEqual([25, 24, 23]);
    const past = await auditPageOf(audit, new URLSearchParams({ limit: '2', before: '9007199254740991' }), 12);
    expect(past.entries.map((e) => e.seq)).toEqual([30, 29]);
  });
});
