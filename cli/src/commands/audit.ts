import { Option, type Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { AUDIT_EXPORT_COLUMNS, auditExportRow, DriftlessError, parseDuration, type AuditEntry } from '@driftless/core';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';
import { UsageError } from '../errors.js';
import { collect, verifyKeyFlag } from './options.js';

const STORE_HELP = 'object store: file:DIR or s3://BUCKET/PREFIX (AWS_ENDPOINT_URL, AWS_REGION, credentials from the environment)';
const SINCE_HELP = 'only entries at or after T: an ISO 8601 time (2026-11-22T10:00:00Z) or a duration meaning that long ago (24h, 7d)';

/**
 * `--since T` as ms since the epoch: a duration (`24h`) means that long
 * before `nowMs`, anything else must be an ISO 8601 time; otherwise a
 * UsageError naming the flag.
 */
export function sinceFlag(value: string, nowMs: number): number {
  const ago = parseDuration(value);
  if (ago !== undefined) return nowMs - ago;
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`--since ${JSON.stringify(value)} is neither an ISO time (2026-11-22T10:00:00Z) nor a duration (24h)`);
  return at;
}

/** `driftless audit log|verify|export`: read, check and hand over the audit log. */
export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program
    .command('audit')
    .description('the audit log: one entry per publish, wave, ring phase change, approval, halt, resume, revert, freeze and unfreeze, chained by hash')
    .exitOverride();

  audit
    .command('log')
    .description('print the audit log, oldest first: SEQ, TIME, ACTOR, ACTION, SUBJECT, REASON per entry')
    .requiredOption('--store <url>', STORE_HELP)
    .option('--since <T>', SINCE_HELP)
    .option('--json', 'print one JSON document: the array of entries {seq, prev, at, actor, action, subject, reason?, data, signature?}')
    .action(async (flags: { store: string; since?: string; json?: boolean }) => {
      // Page by page: a log of any size is printed with one page in memory.
      let printed = 0;
      await forEachPage(flags.store, flags.since, (entries) => {
        if (flags.json) io.stdout(`${printed === 0 ? '[' : ','}${entries.map((e) => JSON.stringify(e)).join(',')}`);
        else io.stdout(tableOf(entries, printed === 0));
        printed += entries.length;
      });
      if (flags.json) io.stdout(printed === 0 ? '[]\n' : ']\n');
      else if (printed === 0) io.stdout('no audit entries\n');
    });

  audit
    .command('verify')
    .description('walk the whole chain and name the first entry that is altered, missing, out of order, not a valid entry, or unsigned while --verify-key is given')
    .requiredOption('--store <url>', STORE_HELP)
    .option(
      '--verify-key <file>',
      'an Ed25519 public key (PEM): every entry must be signed by one of the keys given; repeat it for the hub\'s key and each operator\'s own key (and while rotating keys)',
      collect,
    )
    .option('--allow-unsigned', 'with --verify-key: accept entries that carry no signature (their place in the chain is still checked; signed ones must still verify)')
    .addHelpText(
      'after',
      '\nEach entry names the hash of the one before it, so an edit, a deletion or a reordering breaks the chain\n' +
        'at that entry (unsigned, an edited entry and an edited prev of the next look alike: the later one is\n' +
        'named). The newest entry has no successor: an edit to it is caught by its signature (--verify-key)\n' +
        'and by hub/audit-head.json when that still names it. The log is read page by page. Exit codes: 0\n' +
        'verified (prints the count and newest seq), 1 the chain is broken (`audit verify failed: entry S:\n' +
        '<problem>`) or the store cannot be read, 2 invalid flags or key file.',
    )
    .action(async (flags: { store: string; verifyKey?: string[]; allowUnsigned?: boolean }) => {
      const keys = await Promise.all((flags.verifyKey ?? []).map((file) => verifyKeyFlag(file)));
      const [{ createAuditLog }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const result = await createAuditLog({ store: opened.store, clock: systemClock }).verify({
          ...(keys.length > 0 ? { verifier: keys } : {}),
          ...(flags.allowUnsigned ? { allowUnsigned: true } : {}),
        });
        if (!result.ok) {
          const { seq, problem } = result;
          throw new DriftlessError('AuditChainBroken', `audit verify failed: entry ${seq}: ${problem}`, { seq, problem });
        }
        io.stdout(result.last ? `audit log verified: ${result.count} entries, newest seq ${result.last.seq}\n` : 'audit log verified: 0 entries (empty)\n');
      } finally {
        opened.close();
      }
    });

  audit
    .command('export')
    .description('write the audit log for auditors, one row per entry: seq, when, who, what, resource, outcome, reason')
    .requiredOption('--store <url>', STORE_HELP)
    .addOption(new Option('--format <format>', 'jsonl: one JSON object per line; csv: RFC 4180 with a header row').choices(['jsonl', 'csv']).makeOptionMandatory())
    .option('--since <T>', SINCE_HELP)
    .addHelpText(
      'after',
      '\nColumns: seq; when (the entry\'s time, UTC); who (the actor: --as, DRIFTLESS_ACTOR, user@host, or hub);\n' +
        'what (the action, e.g. rollout.approved); resource (the subject, e.g. rollout/<id>/ring/<name>, fleet);\n' +
        'outcome (data.outcome when given; for ring.phase the new phase in lower case, e.g. succeeded or failed;\n' +
        'otherwise from the action: published, opened, approved, halted, resumed, reverted, succeeded for\n' +
        'rollout.completed, frozen, unfrozen); reason (empty when none). Export does not verify: run audit verify.',
    )
    .action(async (flags: { store: string; format: 'jsonl' | 'csv'; since?: string }) => {
      let header = true;
      await forEachPage(flags.store, flags.since, (entries) => {
        const rows = entries.map(auditExportRow);
        if (flags.format === 'jsonl') io.stdout(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
        else io.stdout(stringify(rows, { header, columns: [...AUDIT_EXPORT_COLUMNS], record_delimiter: 'windows' }));
        header = false;
      });
      if (header && flags.format === 'csv') io.stdout(stringify([], { header: true, columns: [...AUDIT_EXPORT_COLUMNS], record_delimiter: 'windows' }));
    });
}

/** One page of `audit log`'s table; the header only with the first page (columns sized per page). */
function tableOf(entries: readonly AuditEntry[], header: boolean): string {
  const body = entries.map((e) => [String(e.seq), e.at, e.actor, e.action, e.subject, e.reason ?? '-']);
  const rows = header ? [['SEQ', 'TIME', 'ACTOR', 'ACTION', 'SUBJECT', 'REASON'], ...body] : body;
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return `${rows.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

/** Calls `each` with every page of entries (at or after `--since` when given), oldest first. */
async function forEachPage(storeUrl: string, since: string | undefined, each: (entries: AuditEntry[]) => void): Promise<void> {
  const [{ createAuditLog }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
  const sinceMs = since === undefined ? undefined : sinceFlag(since, systemClock.now());
  const opened = await openStore(storeUrl, process.env, process.cwd());
  try {
    for await (const page of createAuditLog({ store: opened.store, clock: systemClock }).pages(sinceMs === undefined ? {} : { since: sinceMs })) {
      if (page.length > 0) each(page);
    }
  } finally {
    opened.close();
  }
}
