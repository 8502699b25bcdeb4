import { Option, type Command } from 'commander';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';
import { durationFlag, integerFlag, signingKeyFlag } from './options.js';
import { nodeHub, positiveDuration } from './hub-api.js';
import { registerHubServe } from './hub-serve.js';
import { PROMETHEUS_ENV_HELP, PROMETHEUS_HELP, prometheusSource } from './prometheus-flag.js';
import { resolveActor } from './actor.js';
import { DriftlessError } from '@driftless/core';
import type { CompileReport, PreviewsReport } from '@driftless/hub';
import { UsageError } from '../errors.js';

interface CompileFlags {
  repo: string;
  ref?: string;
  store: string;
  json?: boolean;
  signKey?: string;
  allowMassPrune?: boolean;
  allowPlainSecrets?: boolean;
  allowExpiredFlags?: boolean;
  allowRollback?: boolean;
  reason?: string;
  pointerTtl?: string;
  cacheDir?: string;
  kustomize?: string;
  helm?: string;
  as?: string;
  prometheus?: string;
  previews?: boolean;
}

/** `--reason`, trimmed; rolling a fleet back is a decision someone must explain, so `--allow-rollback` requires one (a UsageError naming both flags). */
function reasonFlag(flags: Pick<CompileFlags, 'reason' | 'allowRollback'>): string | undefined {
  const reason = flags.reason?.trim();
  if (flags.allowRollback && !reason) throw new UsageError('--allow-rollback needs --reason: say why the fleet goes back (it is recorded in the audit log)');
  if (flags.reason !== undefined && !reason) throw new UsageError('--reason must say why (it is recorded in the audit log)');
  return reason;
}

/**
 * The human form of a compile report. Pointers are counted once: with a
 * rollout started, how many the publish held for it and how many of those
 * ring 0's first wave moved; otherwise how many the publish updated (and,
 * frozen, how many it held).
 */
export function describeCompile(report: CompileReport): string {
  const started = report.rollout?.rollout;
  const pointers = started === undefined ? `, updated ${report.pointersUpdated} pointers` : '';
  const lines = [
    `compiled ${report.revision.slice(0, 12)}: ${report.clusters} clusters, ${report.uniqueBundles} unique bundles; wrote ${report.blobsWritten} blobs${pointers} in ${report.durationMs} ms`,
  ];
  const held = report.pointersHeld ?? 0;
  if (started !== undefined) lines.push(`rollout ${started} started: ${held} pointers held for the rollout (ring 0's first wave moved ${report.rollout?.moved ?? 0})`);
  // Held without a freeze: the fleet has delivery and its running rollout moves them.
  else if (report.pointersHeld !== undefined && !report.frozen) lines.push(`${held} pointers held for the running rollout (driftless rollout step moves them)`);
  if (report.frozen) {
    const what = started === undefined ? `${held} pointers not moved` : 'ring 0\'s first wave waits for driftless unfreeze';
    lines.push(`frozen by ${report.frozen.actor} (${report.frozen.reason}): ${what}`);
  }
  if (report.rolledBackFrom) lines.push(`rolled back from ${report.rolledBackFrom} (--allow-rollback; recorded in the revision record)`);
  if (report.orphaned.length) lines.push(`orphaned (no cluster file; pointer kept): ${report.orphaned.join(', ')}`);
  if (report.previews) lines.push(...describePreviews(report.previews));
  return `${lines.join('\n')}\n`;
}

/** One line per preview that changed (`created feature/a at 1a2b3c4d5e6f in pr-feature-a`, `removed feature/b: branch deleted`), then the hosts. */
export function describePreviews(report: PreviewsReport): string[] {
  const changed = report.previews.filter((p) => p.action !== 'unchanged');
  const lines = [`previews against ${report.base.slice(0, 12)}: ${changed.length} changed, ${report.previews.length - changed.length} unchanged`];
  for (const p of changed) {
    const where = p.action === 'removed' ? '' : ` at ${p.commit.slice(0, 12)} in ${p.namespace}`;
    lines.push(`  ${p.action} ${p.branch}${where}${p.reason !== undefined ? `: ${p.reason}` : ''}`);
  }
  if (report.hostsMoved.length) lines.push(`  hosts moved: ${report.hostsMoved.join(', ')}`);
  for (const h of report.hostsHeld) lines.push(`  host ${h.cluster} held: ${h.reason}`);
  return lines;
}

/** `driftless hub compile`, `driftless hub serve`, `driftless hub resign` and `driftless hub gc`. */
export function registerHubCommands(program: Command, io: CliIo): void {
  const hub = program.command('hub').description('compile fleet commits into bundles and pointers, and collect old bundles').exitOverride();

  hub
    .command('compile')
    .description('fetch the fleet repository once, render every cluster, and publish changed bundles and pointers')
    .requiredOption('--repo <url|dir>', 'fleet repository: http(s) URL (smart HTTP), or a local working tree or bare repository')
    .option('--ref <ref>', 'branch or tag (default: the remote default branch, or HEAD of a local repository)')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX (AWS_ENDPOINT_URL, AWS_REGION, credentials from the environment)')
    .option(
      '--json',
      'print one JSON document: {revision, clusters, uniqueBundles, blobsWritten, blobsRepaired, pointersUpdated, orphaned, refused, rolledBackFrom?, pointersHeld?, frozen?, rollout?, durationMs, warnings, previews?: {base, previews: [{branch, slug, namespace, commit, action, reason?}], hostsMoved, hostsHeld: [{cluster, reason}]}}',
    )
    .option(
      '--previews',
      'after the publish, run one preview cycle (spec.previews): list the branches once, build new and changed ones into their preview namespaces on the host clusters, remove deleted, merged and expired ones; a cycle failure is a warning (exit 0: the release is published)',
    )
    .option('--sign-key <file>', 'sign pointers with this Ed25519 private key (PEM; see `driftless keys generate`)')
    .option('--pointer-ttl <duration>', 'with --sign-key: pointers expire this long after they are published (default 7d); renew them with `driftless hub resign`')
    .option('--allow-mass-prune', 'publish even when a cluster would lose more than half of its objects')
    .option('--allow-plain-secrets', 'accept kind: Secret with data or stringData (secrets do not belong in Git)')
    .option('--allow-expired-flags', 'compile temporary flags (flags/*.yaml) past their expires date (still warned about); without it such a flag fails the compile (exit 2)')
    .option(
      '--allow-rollback',
      'publish a commit that does not descend from the last one published to this store (an older commit or an unrelated history); needs --reason; recorded in its revision record and the audit log',
    )
    .option('--reason <text>', 'why: recorded in the audit entries release.published and rollback.allowed (required with --allow-rollback)')
    .option('--as <user>', 'who publishes, named by the audit entries release.published and rollback.allowed (default: $DRIFTLESS_ACTOR, else <os user>@<hostname>)')
    .option('--cache-dir <dir>', 'where remote repositories are cloned (default: $DRIFTLESS_CACHE/hub or ~/.cache/driftless/hub)')
    .option('--kustomize <path>', 'kustomize binary (default: $DRIFTLESS_KUSTOMIZE, the one npm run setup built, or kustomize on PATH)')
    .option('--helm <path>', 'helm binary, which renders Helm chart apps (default: $DRIFTLESS_HELM, the one npm run setup built, or helm on PATH)')
    .option('--prometheus <url>', PROMETHEUS_HELP)
    .addHelpText(
      'after',
      `\n${PROMETHEUS_ENV_HELP}\n` +
      '\nDRIFTLESS_GIT_TOKEN authenticates to the remote with HTTP basic auth (user DRIFTLESS_GIT_USERNAME,\n' +
        'default x-access-token); it never appears in output. Exit codes: 0 published (or nothing to do),\n' +
        '1 runtime failure or clusters refused by the mass-prune guard, 2 invalid repository content, flags, a\n' +
        'remote or ref that cannot be read (not found, refused credentials), or a commit that does not descend\n' +
        'from the last published one (git ancestry: publishing it would roll the fleet back; see --allow-rollback).',
    )
    .action(async (flags: CompileFlags) => {
      const pointerTtlMs = flags.pointerTtl === undefined ? undefined : positiveDuration('--pointer-ttl', flags.pointerTtl);
      const actor = resolveActor(flags.as);
      const reason = reasonFlag(flags);
      // Only a signed expiry means anything, so a TTL without a key is a mistake, not a no-op.
      if (pointerTtlMs !== undefined && !flags.signKey) throw new UsageError('--pointer-ttl needs --sign-key: only signed pointers carry an expiry');
      const metrics = await prometheusSource(flags.prometheus);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const { hub: hubApi } = await nodeHub(opened, {
          ...(metrics ? { metrics } : {}),
          ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
          ...(flags.kustomize ? { kustomize: flags.kustomize } : {}),
          ...(flags.helm ? { helm: flags.helm } : {}),
          ...(flags.signKey ? { signingKey: await signingKeyFlag(flags.signKey) } : {}),
          ...(pointerTtlMs !== undefined ? { pointerTtlMs } : {}),
        });
        const report = await hubApi.compile({
          repo: flags.repo,
          ...(flags.ref ? { ref: flags.ref } : {}),
          allowMassPrune: flags.allowMassPrune ?? false,
          allowPlainSecrets: flags.allowPlainSecrets ?? false,
          allowExpiredFlags: flags.allowExpiredFlags ?? false,
          allowRollback: flags.allowRollback ?? false,
          actor,
          ...(reason ? { reason } : {}),
          ...(flags.previews ? { previews: true } : {}),
        });
        for (const w of report.warnings ?? []) io.stderr(`warning: ${w}\n`);
        if (flags.json) io.stdout(`${JSON.stringify({ ...report, warnings: report.warnings ?? [] })}\n`);
        else io.stdout(describeCompile(report));
        if (report.refused.length) {
          for (const r of report.refused) io.stderr(`cluster ${r.cluster} publish refused: ${r.reason}\n`);
          throw new DriftlessError('PublishRefused', `${report.refused.length} cluster(s) refused by the mass-prune guard (their pointers are unchanged)`, {
            clusters: [...report.refused],
          });
        }
      } finally {
        opened.close();
      }
    });

  registerHubServe(hub, io);

  hub
    .command('resign')
    .description('renew pointers the hub signed before they expire: same cluster, bundle, revision and generation, a new expiresAt')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .option('--sign-key <file>', 'the hub\'s Ed25519 private key (PEM; the one `hub compile --sign-key` uses); required')
    // The flag's first name, before it matched hub compile's.
    .addOption(new Option('--signing-key <file>').hideHelp())
    .option('--pointer-ttl <duration>', 'a renewed pointer expires this long from now', '7d')
    .option('--within <duration>', 'renew pointers that expire within this long or have no expiry (default: half of --pointer-ttl)')
    .option('--json', 'print one JSON document: {resigned: [{cluster, generation, expiresAt}], fresh, conflicts, failed: [{cluster, reason}]}')
    .addHelpText(
      'after',
      '\nRun it more often than --within (e.g. daily with the defaults), or agents refuse expired pointers and\n' +
        'report Stale. Only pointers that verify with the key\'s public half and name the bundle that\n' +
        'revisions/<revision>.json gives their cluster are renewed; an unsigned pointer, one signed by another\n' +
        'key, or one the hub did not publish is never signed and is listed under failed (a forged pointer).\n' +
        'To sign unsigned pointers, or to rotate keys, run `hub compile --sign-key` with the new key: it\n' +
        're-signs every pointer at the next generation. Each write is a compare-and-swap on the pointer\'s\n' +
        'ETag: a publish that lands meanwhile wins and is listed under conflicts. Exit codes: 0 done (conflicts\n' +
        'included), 1 runtime failure or a pointer refused (listed under failed, each on stderr), 2 invalid\n' +
        'flags or key file.',
    )
    .action(async (flags: { store: string; signKey?: string; signingKey?: string; pointerTtl: string; within?: string; json?: boolean }) => {
      const keyFile = flags.signKey ?? flags.signingKey;
      if (keyFile === undefined) throw new UsageError('--sign-key is required: the hub\'s private key, to verify and re-sign its pointers');
      const ttlMs = positiveDuration('--pointer-ttl', flags.pointerTtl);
      const withinMs = flags.within === undefined ? ttlMs / 2 : positiveDuration('--within', flags.within);
      if (withinMs >= ttlMs) throw new UsageError(`--within ${flags.within ?? ''} must be shorter than --pointer-ttl ${flags.pointerTtl} (every pointer would be renewed on every run)`);
      const signingKey = await signingKeyFlag(keyFile, flags.signKey === undefined ? '--signing-key' : '--sign-key');
      const [{ resignPointers }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const report = await resignPointers({ store: opened.store, signingKey, clock: systemClock, ttlMs, withinMs });
        if (flags.json) io.stdout(`${JSON.stringify(report)}\n`);
        else {
          for (const r of report.resigned) io.stdout(`resigned ${r.cluster} (generation ${r.generation}) until ${r.expiresAt}\n`);
          for (const c of report.conflicts) io.stdout(`skipped ${c}: published meanwhile\n`);
          io.stdout(`${report.resigned.length} resigned, ${report.fresh} fresh, ${report.conflicts.length} changed meanwhile, ${report.failed.length} failed\n`);
        }
        if (report.failed.length) {
          // Each reason names the pointer's key.
          for (const f of report.failed) io.stderr(`${f.reason}\n`);
          throw new Error(`${report.failed.length} pointer(s) refused, none of them signed`);
        }
      } finally {
        opened.close();
      }
    });

  hub
    .command('gc')
    .description('delete bundle blobs that no current pointer and none of the newest revision records reference')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .option('--keep-revisions <n>', 'also keep every blob the newest N revision records name', '10')
    .option('--min-age <duration>', 'keep unreferenced blobs younger than this (a hub may be publishing them)', '1h')
    .option('--dry-run', 'report what would be deleted, delete nothing')
    .option('--json', 'print one JSON document: {blobs, referenced, deleted, keptYoung, dryRun}')
    .action(async (flags: { store: string; keepRevisions: string; minAge: string; dryRun?: boolean; json?: boolean }) => {
      const keepRevisions = integerFlag('--keep-revisions', flags.keepRevisions, 0);
      const minAgeMs = durationFlag('--min-age', flags.minAge);
      const [{ collectGarbage }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const report = await collectGarbage({ store: opened.store, clock: systemClock, keepRevisions, minAgeMs, dryRun: flags.dryRun ?? false, warn: (m) => io.stderr(`warning: ${m}\n`) });
        if (flags.json) io.stdout(`${JSON.stringify(report)}\n`);
        else {
          const verb = report.dryRun ? 'would delete' : 'deleted';
          io.stdout(`${report.blobs} blobs, ${report.referenced} referenced; ${verb} ${report.deleted.length}; kept ${report.keptYoung} younger than ${flags.minAge}\n`);
        }
      } finally {
        opened.close();
      }
    });
}
