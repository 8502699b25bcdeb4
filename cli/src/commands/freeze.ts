import type { Command } from 'commander';
import { API_VERSION, type Freeze } from '@driftless/core';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';
import { resolveActor } from './actor.js';
import { UsageError } from '../errors.js';
import { signingKeyFlag } from './options.js';

interface FreezeFlags {
  store: string;
  reason: string;
  as?: string;
  signKey?: string;
  json?: boolean;
}

const AS_HELP = 'who acts, recorded in control/freeze.json and the audit log (default: $DRIFTLESS_ACTOR, else <os user>@<hostname>)';
const SIGN_HELP = 'sign the audit entry with your own Ed25519 private key (PEM, e.g. from driftless keys generate; give its public half to audit verify --verify-key)';

/** `--reason`, which must say something: an empty one is a UsageError naming the flag. */
function reasonFlag(value: string, what: string): string {
  if (value.trim() === '') throw new UsageError(`--reason must say why the fleet is ${what} (it is recorded in the audit log)`);
  return value;
}

/** `driftless freeze` and `driftless unfreeze`: the fleet-wide circuit breaker. */
export function registerFreezeCommands(program: Command, io: CliIo): void {
  program
    .command('freeze')
    .description('stop every pointer move across the fleet (writes control/freeze.json and an audit entry fleet.frozen)')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .requiredOption('--reason <text>', 'why the fleet is frozen (required; recorded)')
    .option('--as <user>', AS_HELP)
    .option('--sign-key <file>', SIGN_HELP)
    .option('--json', 'print one JSON document: {frozen: true, created, freeze: {actor, at, reason}}')
    .addHelpText(
      'after',
      '\nWhile frozen, compile publishes blobs and releases but moves no pointer, and rollouts do not advance.\n' +
        'Freezing a frozen fleet changes nothing and says who froze it (exit 0). Exit codes: 0 frozen,\n' +
        '1 runtime failure (also: the freeze is written but its audit entry could not be, after retries; run\n' +
        'freeze again to write it), 2 invalid flags (a missing or empty --reason) or key file.',
    )
    .action(async (flags: FreezeFlags) => {
      const reason = reasonFlag(flags.reason, 'frozen');
      const actor = resolveActor(flags.as);
      const signingKey = flags.signKey ? await signingKeyFlag(flags.signKey) : undefined;
      const [{ createAuditLog, freezeFleet }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const audit = createAuditLog({ store: opened.store, clock: systemClock, ...(signingKey ? { signingKey } : {}) });
        const record: Freeze = { apiVersion: API_VERSION, kind: 'Freeze', actor, at: new Date(systemClock.now()).toISOString(), reason };
        const result = await freezeFleet({ store: opened.store, clock: systemClock, audit }, record);
        const f = result.freeze;
        const late = result.repaired ? ' (its missing audit entry fleet.frozen is now written)' : '';
        if (flags.json) io.stdout(`${JSON.stringify({ frozen: true, created: result.created, repaired: result.repaired, freeze: { actor: f.actor, at: f.at, reason: f.reason } })}\n`);
        else io.stdout(result.created ? `fleet frozen by ${f.actor}: ${f.reason}\n` : `already frozen by ${f.actor} at ${f.at}: ${f.reason} (unchanged)${late}\n`);
      } finally {
        opened.close();
      }
    });

  program
    .command('unfreeze')
    .description('lift the fleet-wide freeze (deletes control/freeze.json and writes an audit entry fleet.unfrozen)')
    .requiredOption('--store <url>', 'object store: file:DIR or s3://BUCKET/PREFIX')
    .requiredOption('--reason <text>', 'why the freeze is lifted (required; recorded)')
    .option('--as <user>', AS_HELP)
    .option('--sign-key <file>', SIGN_HELP)
    .option('--json', 'print one JSON document: {frozen: false, lifted: {actor, at, reason} | null}')
    .addHelpText(
      'after',
      '\nPointers held back by the freeze move at the next compile or rollout step. Unfreezing a fleet that is\n' +
        'not frozen changes nothing and says so (exit 0), writing a fleet.unfrozen entry an earlier unfreeze\n' +
        'failed to write. Only the freeze it read is deleted. Exit codes: 0 done, 1 runtime failure (the freeze\n' +
        'changed meanwhile, or the audit entry could not be written after retries: run unfreeze again), 2 invalid\n' +
        'flags (a missing or empty --reason) or key file.',
    )
    .action(async (flags: FreezeFlags) => {
      const reason = reasonFlag(flags.reason, 'unfrozen');
      const actor = resolveActor(flags.as);
      const signingKey = flags.signKey ? await signingKeyFlag(flags.signKey) : undefined;
      const [{ createAuditLog, unfreezeFleet }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const audit = createAuditLog({ store: opened.store, clock: systemClock, ...(signingKey ? { signingKey } : {}) });
        const { lifted, repaired } = await unfreezeFleet({ store: opened.store, clock: systemClock, audit }, actor, reason);
        if (flags.json) io.stdout(`${JSON.stringify({ frozen: false, lifted: lifted ? { actor: lifted.actor, at: lifted.at, reason: lifted.reason } : null, repaired: repaired ?? null })}\n`);
        else if (lifted) io.stdout(`fleet unfrozen by ${actor} (frozen by ${lifted.actor} at ${lifted.at}: ${lifted.reason})\n`);
        else if (repaired) io.stdout(`fleet is not frozen; the missing audit entry fleet.unfrozen for the freeze by ${repaired.actor} at ${repaired.at} is now written\n`);
        else io.stdout('fleet is not frozen: nothing to do\n');
      } finally {
        opened.close();
      }
    });
}
