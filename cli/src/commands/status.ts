import type { Command } from 'commander';
import { openStore } from '@driftless/store';
import { formatDurationMs } from '@driftless/core';
import type { ClusterStatusRow } from '@driftless/hub';
import type { CliIo } from '../main.js';

/** `driftless status`: where every cluster stands. */
export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description(
      'one row per cluster: desired revision and generation, applied generation, phase, heartbeat age, whether its agent verifies pointers and its version; failing and lagging clusters first',
    )
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .option(
      '--json',
      'print one JSON document: an array of rows {cluster, desiredRevision?, desiredGeneration?, appliedGeneration?, phase, heartbeatAgeSeconds?, lagging, lastError?, insecureSkipVerify (null: unknown), agentVersion?, stale?: {generation, publishedAt, expiresAt, ageSeconds}}',
    )
    .addHelpText(
      'after',
      '\nVERIFY is INSECURE for an agent started with --insecure-skip-verify (it accepts unsigned pointers),\n' +
        'signed for one that verifies them, ? for an agent older than 0.2.0 (it does not say; those verified\n' +
        'nothing by default), - for one that never reported. AGENT is the agent\'s version. A Stale cluster\'s NOTE gives the\n' +
        'expired pointer\'s generation, age and expiry: re-sign it with `driftless hub resign`.',
    )
    .action(async (flags: { store: string; json?: boolean }) => {
      const [{ fleetStatus }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const rows = await fleetStatus(opened.store, systemClock);
        if (flags.json) {
          io.stdout(`${JSON.stringify(rows)}\n`);
          return;
        }
        const table = [
          ['CLUSTER', 'DESIRED', 'GEN', 'APPLIED', 'PHASE', 'VERIFY', 'AGENT', 'HEARTBEAT', 'NOTE'],
          ...rows.map((r) => [
            r.cluster,
            r.desiredRevision?.slice(0, 12) ?? '-',
            String(r.desiredGeneration ?? '-'),
            String(r.appliedGeneration ?? '-'),
            r.phase,
            verifyCell(r),
            r.agentVersion ?? '-',
            r.heartbeatAgeSeconds === undefined ? 'never' : `${r.heartbeatAgeSeconds}s ago`,
            [r.lagging ? 'lagging' : '', staleNote(r), r.lastError ?? ''].filter(Boolean).join('; '),
          ]),
        ];
        const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
        io.stdout(`${table.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`);
        if (rows.length === 0) io.stdout('no clusters in this store yet\n');
      } finally {
        opened.close();
      }
    });
}

/** Whether the agent verifies pointers: unknown (`?`) for one that reported without saying (older than 0.2.0). */
function verifyCell(r: ClusterStatusRow): string {
  if (r.heartbeatAgeSeconds === undefined) return '-';
  if (r.insecureSkipVerify === null) return '?';
  return r.insecureSkipVerify ? 'INSECURE' : 'signed';
}

/** A Stale cluster's expired pointer: how old it is and when it expired. */
function staleNote(r: ClusterStatusRow): string {
  if (!r.stale) return '';
  return `pointer generation ${r.stale.generation} is ${formatDurationMs(r.stale.ageSeconds * 1000)} old, expired ${r.stale.expiresAt}`;
}
