import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { openStore } from '@driftless/store';
import type { FlagOverrideDeps, FlagOverrideResult } from '@driftless/hub';
import type * as HubModule from '@driftless/hub';
import type { CliIo } from '../main.js';
import { UsageError } from '../errors.js';
import { resolveActor } from './actor.js';
import { positiveDuration } from './hub-api.js';
import { signingKeyFlag } from './options.js';

interface FlagFlags {
  store: string;
  reason: string;
  as?: string;
  selector?: string;
  signKey?: string;
  pointerTtl?: string;
  json?: boolean;
}

const AS_HELP = 'who acts, recorded in flags/overrides.json and the audit log (default: $DRIFTLESS_ACTOR, else <os user>@<hostname>)';
const SIGN_HELP = "the hub's Ed25519 private key (PEM): signs the pointers this moves and the audit entry; required when the fleet's pointers are signed";
const TTL_HELP =
  'with --sign-key: the moved pointers expire this long after they are signed (default 7d); the hub records its TTL nowhere this command reads, so give the --pointer-ttl of hub compile / hub serve (a shorter one expires these pointers before the hub renews them)';
const AFTER =
  '\nThe affected clusters\' pointers move at once to their current bundles with the override applied, past rings,\n' +
  'a halted rollout and the freeze; the current rollout\'s bundles get it too, and every later compile applies it\n' +
  'until it is cleared. Exit codes: 0 done, 1 runtime failure (rerun: it is idempotent), 2 invalid input (an unknown\n' +
  'flag or variant, a bad --selector, an empty --reason, no override to clear, nothing published yet).';

/** `--reason`, which must say something: an empty one is a UsageError naming the flag. */
function reasonOf(value: string): string {
  if (value.trim() === '') throw new UsageError('--reason must say why (it is recorded in flags/overrides.json and the audit log)');
  return value;
}

/** `driftless flag set` and `driftless flag clear`: kill switches outside Git. */
export function registerFlagCommands(program: Command, io: CliIo): void {
  const flag = program.command('flag').description('override a feature flag outside Git (kill switch): flag set, flag clear');
  flag
    .command('set <name> <variant>')
    .description('override flag NAME to VARIANT on the selected clusters (writes flags/overrides.json, audits flag.override.set)')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .requiredOption('--reason <text>', 'why (required; recorded)')
    .option('--as <user>', AS_HELP)
    .option('--selector <sel>', 'only clusters whose labels match (kubectl syntax: k=v,k2!=v2,k3 in (a,b)); default: every cluster')
    .option('--sign-key <file>', SIGN_HELP)
    .option('--pointer-ttl <duration>', TTL_HELP)
    .option('--json', 'print one JSON document: {flag, action, variant, selector?, clusters, labelsRecorded, rollout?, pointers: [{cluster, bundle, generation}]}')
    .addHelpText('after', AFTER)
    .action(async (name: string, variant: string, flags: FlagFlags) => {
      const reason = reasonOf(flags.reason);
      if (flags.selector !== undefined && flags.selector.trim() === '') throw new UsageError('--selector must not be empty (leave it out for every cluster)');
      await withDeps(flags, async (deps, { setFlagOverride }) => {
        const req = { flag: name, variant, actor: resolveActor(flags.as), reason, ...(flags.selector ? { selector: flags.selector } : {}) };
        print(io, flags, await setFlagOverride(deps, req));
      });
    });
  flag
    .command('clear <name>')
    .description('remove the override of flag NAME: its clusters get Git\'s variant back at once (audits flag.override.cleared)')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .requiredOption('--reason <text>', 'why (required; recorded)')
    .option('--as <user>', AS_HELP)
    .option('--sign-key <file>', SIGN_HELP)
    .option('--pointer-ttl <duration>', TTL_HELP)
    .option('--json', 'print one JSON document, as flag set does')
    .addHelpText('after', AFTER)
    .action(async (name: string, flags: FlagFlags) => {
      const reason = reasonOf(flags.reason);
      await withDeps(flags, async (deps, { clearFlagOverride }) => print(io, flags, await clearFlagOverride(deps, { flag: name, actor: resolveActor(flags.as), reason })));
    });
}

async function withDeps(flags: FlagFlags, run: (deps: FlagOverrideDeps, hub: typeof HubModule) => Promise<void>): Promise<void> {
  const ttlMs = flags.pointerTtl === undefined ? undefined : positiveDuration('--pointer-ttl', flags.pointerTtl);
  if (ttlMs !== undefined && !flags.signKey) throw new UsageError('--pointer-ttl needs --sign-key: only signed pointers carry an expiry');
  const signingKey = flags.signKey ? await signingKeyFlag(flags.signKey) : undefined;
  const [hub, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
  const opened = await openStore(flags.store, process.env, process.cwd());
  try {
    const key = signingKey ? { signingKey } : {};
    const audit = hub.createAuditLog({ store: opened.store, clock: systemClock, ...key });
    await run({ store: opened.store, clock: systemClock, newId: randomUUID, log: () => undefined, audit, ...key, ...(ttlMs !== undefined ? { pointerTtlMs: ttlMs } : {}) }, hub);
  } finally {
    opened.close();
  }
}

function print(io: CliIo, flags: FlagFlags, r: FlagOverrideResult): void {
  if (flags.json) {
    io.stdout(`${JSON.stringify(r)}\n`);
    return;
  }
  const what = r.action === 'set' ? `flag ${r.flag} set to ${r.variant ?? ''}` : `flag ${r.flag} override (${r.variant ?? ''}) cleared`;
  io.stdout(`${what} for ${r.clusters.length} cluster(s); ${r.pointers.length} pointer(s) moved${r.rollout ? `; rollout ${r.rollout} rewritten` : ''}\n`);
  if (r.selector && !r.labelsRecorded) io.stderr(`warning: the last revision record has no cluster labels: --selector ${r.selector} matched every cluster\n`);
}
