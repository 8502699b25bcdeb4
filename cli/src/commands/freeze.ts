import type { Command } from 'commander';
import { API_VERSION, type Freeze } from '@driftless/core';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';
import { resolveActor } from './actor.js';
import { signingKeyFlag } from './options.js';

interface FreezeFlags {
  store: string;
  reason: string;
  as?: string;
  signKey?: string;
  json?: boolean;
}

const AS_HELP = 'who acts, recorded in control/freeze.json and the audit log (default: $DRIFTLESS_ACTOR, else <os user>@<hostname>)';
const SIGN_HELP = 'sign the audit entry with this Ed25519 private key (PEM; the hub\'s --sign-key)';

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
        '1 runtime failure, 2 invalid flags (a missing --reason) or key file.',
    )
    .action(async (flags: FreezeFlags) => {
      const actor = resolveActor(flags.as);
      const signingKey = flags.signKey ? await signingKeyFlag(flags.signKey) : undefined;
      const [{ createAuditLog, freeze }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const record: Freeze = { apiVersion: API_VERSION, kind: 'Freeze', actor, at: new Date(systemClock.now()).toISOString(), reason: flags.reason };
        const result = await freeze(opened.store, record);
        if (result.created) {
          const log = createAuditLog({ store: opened.store, clock: systemClock, ...(signingKey ? { signingKey } : {}) });
          await log.append([{ actor, action: 'fleet.frozen', subject: 'fleet', reason: flags.reason, data: {} }]);
        }
        const f = result.freeze;
        if (flags.json) io.stdout(`${JSON.stringify({ frozen: true, created: result.created, freeze: { actor: f.actor, at: f.at, reason: f.reason } })}\n`);
        else io.stdout(result.created ? `fleet frozen by ${f.actor}: ${f.reason}\n` : `already frozen by ${f.actor} at ${f.at}: ${f.reason} (unchanged)\n`);
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
        'not frozen changes nothing and says so (exit 0). Exit codes: 0 done, 1 runtime failure, 2 invalid flags.',
    )
    .action(async (flags: FreezeFlags) => {
      const actor = resolveActor(flags.as);
      const signingKey = flags.signKey ? await signingKeyFlag(flags.signKey) : undefined;
      const [{ createAuditLog, unfreeze }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const lifted = await unfreeze(opened.store);
        if (lifted) {
          const log = createAuditLog({ store: opened.store, clock: systemClock, ...(signingKey ? { signingKey } : {}) });
          const data = { frozenBy: lifted.actor, frozenAt: lifted.at, frozenReason: lifted.reason };
          await log.append([{ actor, action: 'fleet.unfrozen', subject: 'fleet', reason: flags.reason, data }]);
        }
        if (flags.json) io.stdout(`${JSON.stringify({ frozen: false, lifted: lifted ? { actor: lifted.actor, at: lifted.at, reason: lifted.reason } : null })}\n`);
        else io.stdout(lifted ? `fleet unfrozen by ${actor} (frozen by ${lifted.actor} at ${lifted.at}: ${lifted.reason})\n` : 'fleet is not frozen: nothing to do\n');
      } finally {
        opened.close();
      }
    });
}
