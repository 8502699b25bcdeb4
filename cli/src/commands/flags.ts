import type { Command } from 'commander';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';
import { UsageError } from '../errors.js';
import { renderFlagReport } from './flags-render.js';
import { findFlagRefs, flagKeysOfRepo, renderFlagRefs } from './flags-refs.js';

/** `driftless flags` and `driftless flags refs`: the flag lifecycle report and the code references to each flag. */
export function registerFlagsCommands(program: Command, io: CliIo): void {
  const flags = program
    .command('flags')
    .description('every flag of the last published revision: type, owner, age, expiry, variant per ring, active override and health')
    .option('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX (required)')
    .option(
      '--json',
      'print one JSON document {revision?, publishedAt?, flags: [{key, type, owner, file, commit, firstSeen, ageDays, expires?, variantsByRing, uniform?, uniformSince?, defaultVariant?, rollout?, override?: {variant, selector?, actor, at, reason, divergesFromGit}, health}], orphanOverrides}',
    )
    .addHelpText(
      'after',
      '\nHEALTH is the first that holds: expired (past the end of its expires day, UTC); expiring (expires is 14 calendar days away or less, UTC);\n' +
        'never-on (one variant everywhere ever since the hub first saw it, 14 days or more ago, no override giving another);\n' +
        'ready-to-remove (one variant everywhere from Git for 14 days or more, no override); ok. never-on and ready-to-remove\n' +
        'apply to temporary flags only (release, experiment, operational): kill-switch and permission flags are never stale.\n' +
        'An override "diverges from Git" unless every\n' +
        'cluster it selects already gets its variant from Git (judged per ring). AGE counts from when the hub first published the flag.',
    )
    .action(async (opts: { store?: string; json?: boolean }) => {
      if (!opts.store) throw new UsageError("required option '--store <url>' not specified");
      const [{ flagReport }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(opts.store, process.env, process.cwd());
      try {
        const report = await flagReport(opened.store, systemClock);
        io.stdout(opts.json ? `${JSON.stringify(report)}\n` : renderFlagReport(report));
      } finally {
        opened.close();
      }
    });
  flags
    .command('refs')
    .description('the code references to each flag key (as a quoted string literal) under a source directory, and the flags with none')
    .requiredOption('--src <dir>', 'source directory to scan (node_modules, .git, binary files and files over 1 MiB are skipped)')
    .option('--store <url>', 'take the flag keys from the last published revision in this object store')
    .option('--repo <dir>', "take the flag keys from a fleet repository's working tree (flags/<key>.yaml)")
    .option('--json', 'print one JSON document {refs: [{key, file, line}], unreferenced: [key]}')
    .action(async (_opts: unknown, cmd: Command) => {
      // `flags` declares --store and --json too, and commander hands them to it: read both levels.
      const opts = cmd.optsWithGlobals<{ src: string; store?: string; repo?: string; json?: boolean }>();
      if ((opts.store === undefined) === (opts.repo === undefined)) throw new UsageError('flags refs needs exactly one of --store <url> or --repo <dir> (where the flag keys come from)');
      const keys = opts.repo !== undefined ? await flagKeysOfRepo(opts.repo) : await flagKeysOfStore(opts.store ?? '');
      const found = await findFlagRefs(opts.src, keys);
      io.stdout(opts.json ? `${JSON.stringify(found)}\n` : renderFlagRefs(found));
    });
}

async function flagKeysOfStore(url: string): Promise<string[]> {
  const { readLastRevisionRecord } = await import('@driftless/hub');
  const opened = await openStore(url, process.env, process.cwd());
  try {
    return Object.keys((await readLastRevisionRecord(opened.store))?.flags ?? {}).sort();
  } finally {
    opened.close();
  }
}
