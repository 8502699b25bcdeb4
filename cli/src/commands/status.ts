import type { Command } from 'commander';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';

/** `driftless status`: where every cluster stands. */
export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('one row per cluster: desired revision and generation, applied generation, phase, heartbeat age; failing and lagging clusters first')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .option('--json', 'print one JSON document: an array of rows')
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
          ['CLUSTER', 'DESIRED', 'GEN', 'APPLIED', 'PHASE', 'HEARTBEAT', 'NOTE'],
          ...rows.map((r) => [
            r.cluster,
            r.desiredRevision?.slice(0, 12) ?? '-',
            String(r.desiredGeneration ?? '-'),
            String(r.appliedGeneration ?? '-'),
            r.phase,
            r.heartbeatAgeSeconds === undefined ? 'never' : `${r.heartbeatAgeSeconds}s ago`,
            [r.lagging ? 'lagging' : '', r.lastError ?? ''].filter(Boolean).join('; '),
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
