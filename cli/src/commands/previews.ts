import type { Command } from 'commander';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';
import { UsageError } from '../errors.js';
import { renderPreviews } from './previews-render.js';

/** `driftless previews`: every live preview environment with its phase on its host clusters. */
export function registerPreviewsCommand(program: Command, io: CliIo): void {
  program
    .command('previews')
    .description('every live preview environment (spec.previews): branch, commit, host clusters, namespace, phase, age and expiry')
    .option('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX (required)')
    .option(
      '--json',
      'print one JSON document: an array of {branch, slug, commit, namespace, hosts: [{cluster, phase}], phase, built, createdAt, updatedAt, expiresAt, error?}',
    )
    .addHelpText(
      'after',
      '\nPHASE per host is Pending until the host\'s pointer names a previews bundle its agent has applied with the\n' +
        'preview\'s apps in it, then the worst phase of those apps; a preview\'s phase is the worst over its hosts, in the\n' +
        'order Failed > Degraded > Stale > Pending > Building > Progressing > Applied. Building: no build of the branch has succeeded yet; Failed (build): the only\n' +
        'build failed. "(newest commit failed)": an older build still runs; the error follows the table (--json: error).\n' +
        'AGE counts from when the hub first saw the branch; EXPIRES is when it is removed without a new commit (ttl).\n' +
        'A preview document that cannot be read is reported on stderr and does not stop the listing.',
    )
    .action(async (opts: { store?: string; json?: boolean }) => {
      if (!opts.store) throw new UsageError("required option '--store <url>' not specified");
      const [{ listPreviews }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(opts.store, process.env, process.cwd());
      try {
        const listing = await listPreviews(opened.store);
        if (!opts.json) {
          io.stdout(renderPreviews(listing, systemClock.now()));
          return;
        }
        for (const problem of listing.problems) io.stderr(`${problem}\n`);
        io.stdout(`${JSON.stringify(listing.previews)}\n`);
      } finally {
        opened.close();
      }
    });
}
