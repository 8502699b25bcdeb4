import { randomUUID, type KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import type { AuditDraft, Clock, MetricSource, ObjectStore, RolloutCommand } from '@driftless/core';
import type { HubLog, RolloutController, StatusObserver, StepReport } from '@driftless/hub';
import { openStore } from '@driftless/store';
import type { CliIo } from '../main.js';
import { UsageError } from '../errors.js';
import { resolveActor } from './actor.js';
import { positiveDuration } from './hub-api.js';
import { signingKeyFlag } from './options.js';
import { PROMETHEUS_ENV_HELP, PROMETHEUS_HELP, prometheusSource } from './prometheus-flag.js';
import { movedClusters, renderRolloutStatus, rolloutStatusDocument } from './rollout-status.js';
import { collectStepEvents, describeStep, noStepEvents, type StepEvents } from './rollout-render.js';

const STORE_HELP = 'object store: file:DIR or s3://BUCKET/PREFIX (AWS_ENDPOINT_URL, AWS_REGION, credentials from the environment)';
const AS_HELP = 'who acts, recorded in the rollout and the audit log (default: $DRIFTLESS_ACTOR, else <os user>@<hostname>)';
const SIGN_HELP =
  'the hub\'s Ed25519 private key (PEM): signs the pointers the step after the command moves AND its audit entries; required (that same key) when the rollout was compiled with one';
const HALT_SIGN_HELP =
  'optional, any Ed25519 private key (PEM: an operator\'s own or the hub\'s): signs the rollout.halted audit entry; without it the entry is unsigned and audit verify needs that operator\'s public key or --allow-unsigned';
const KEY_HELP =
  'A rollout compiled with --sign-key records that key\'s id: step, approve and resume need --sign-key with that same key\n' +
  '(else exit 2, naming the expected key id, before anything is written); halt never does.';
const TTL_HELP = 'with --sign-key: pointers expire this long after they are signed (default 7d)';
const EXIT_HELP = 'Exit codes: 0 done (a Halted or frozen rollout included), 1 runtime failure or the rollout kept changing under this\n' + 'command (try again), 2 invalid flags, or a command the rollout refuses (the message says why).';

/** A rollout controller of a CLI process, and what its steps did (from the audit drafts it appends). */
export interface CliController {
  readonly controller: RolloutController;
  /** Waves opened and ring phase changes since the last call, cleared by it. */
  takeStepEvents(): StepEvents;
}

/**
 * The rollout controller `rollout step|approve|halt|resume` and `hub serve`
 * run: core's state machine, the store's audit log (signed with
 * `signingKey`), the same key for the pointers its steps move. One per
 * process, so its status observer keeps ETags between steps.
 */
export async function cliRolloutController(opts: {
  store: ObjectStore;
  clock: Clock;
  signingKey?: KeyObject;
  pointerTtlMs?: number;
  observer?: StatusObserver;
  log?: HubLog;
  metrics?: MetricSource;
}): Promise<CliController> {
  const { createAuditLog, createRolloutController, coreRolloutMachine } = await import('@driftless/hub');
  const log = createAuditLog({ store: opts.store, clock: opts.clock, ...(opts.signingKey ? { signingKey: opts.signingKey } : {}) });
  let events = noStepEvents();
  const audit = {
    async append(drafts: readonly AuditDraft[]) {
      await log.append(drafts);
      collectStepEvents(events, drafts);
    },
  };
  const controller = createRolloutController({
    store: opts.store,
    clock: opts.clock,
    machine: coreRolloutMachine,
    audit,
    newId: randomUUID,
    ...(opts.signingKey ? { signingKey: opts.signingKey } : {}),
    ...(opts.pointerTtlMs !== undefined ? { pointerTtlMs: opts.pointerTtlMs } : {}),
    ...(opts.observer ? { observer: opts.observer } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  return {
    controller,
    takeStepEvents() {
      const out = events;
      events = noStepEvents();
      return out;
    },
  };
}

interface StepFlags {
  store: string;
  signKey?: string;
  pointerTtl?: string;
  json?: boolean;
  /** Absent on halt, which reads no metric. */
  prometheus?: string;
}

/** `--reason` as given, or a UsageError naming the flag when it says nothing. */
function reasonFlag(reason: string): string {
  if (reason.trim() === '') throw new UsageError('--reason must say why (it is recorded in the rollout and the audit log)');
  return reason;
}

/** Opens the store and a controller for the flags, runs `act`, prints its step report, closes the store. */
async function withController(io: CliIo, flags: StepFlags, act: (c: RolloutController) => Promise<StepReport>, before = '', readsMetrics = true): Promise<void> {
  const ttlMs = flags.pointerTtl === undefined ? undefined : positiveDuration('--pointer-ttl', flags.pointerTtl);
  if (ttlMs !== undefined && !flags.signKey) throw new UsageError('--pointer-ttl needs --sign-key: only signed pointers carry an expiry');
  const signingKey = flags.signKey === undefined ? undefined : await signingKeyFlag(flags.signKey);
  const metrics = readsMetrics ? await prometheusSource(flags.prometheus) : undefined;
  const { systemClock } = await import('@driftless/clock');
  const opened = await openStore(flags.store, process.env, process.cwd());
  try {
    const c = await cliRolloutController({
      store: opened.store,
      clock: systemClock,
      ...(signingKey ? { signingKey } : {}),
      ...(ttlMs !== undefined ? { pointerTtlMs: ttlMs } : {}),
      ...(metrics ? { metrics } : {}),
    });
    const report = await act(c.controller);
    const events = c.takeStepEvents();
    if (flags.json) io.stdout(`${JSON.stringify({ ...report, wavesOpened: events.wavesOpened })}\n`);
    else io.stdout(report.rollout === undefined ? describeStep(report, events) : before + describeStep(report, events));
  } finally {
    opened.close();
  }
}

/** `driftless rollout step|status|approve|halt|resume`. */
export function registerRolloutCommands(program: Command, io: CliIo): void {
  const rollout = program
    .command('rollout')
    .description('progressive delivery: step the current rollout through its rings, show it, approve a ring, halt and resume')
    .exitOverride();

  rollout
    .command('step')
    .description('one idempotent step of the current rollout: evaluate every gate, open the waves and rings they allow, move those pointers')
    .requiredOption('--store <url>', STORE_HELP)
    .option('--sign-key <file>', 'the hub\'s Ed25519 private key (PEM): signs the pointers this step moves and its audit entries; required (that same key) when the rollout was compiled with one')
    .option('--pointer-ttl <duration>', TTL_HELP)
    .option('--prometheus <url>', PROMETHEUS_HELP)
    .option('--json', 'print one JSON document: {rollout?, phase?, moved, reverted, changed, halted?, frozen?, metricReads?: {asked, answered, skipped, failed}, wavesOpened: [{ring, wave, clusters}]}')
    .addHelpText(
      'after',
      '\nSafe from a CI cron and when several run at once: every write of the rollout is a compare-and-swap on its\n' +
        'ETag (one run wins each version, the others re-read and decide again) and a pointer moves once. With no\n' +
        'rollout in the store it prints `no rollout in this store` (exit 0). While frozen or halted it moves nothing\n' +
        `and says so. ${KEY_HELP} ${EXIT_HELP}\n\n${PROMETHEUS_ENV_HELP}`,
    )
    .action((flags: StepFlags) => withController(io, flags, (c) => c.step()));

  rollout
    .command('status')
    .description('the current rollout: its phase, each ring\'s phase, clusters by rollout state and by agent phase, gates, approvals, the halt and the freeze')
    .requiredOption('--store <url>', STORE_HELP)
    .option('--json', 'print one JSON document: {id, revision, phase, createdAt, updatedAt, rings: [{name, phase, wavesOpened, clusters, agents, gates, checks: [{check, state, reason, max?, min?, forMs, aggregate, latest?: {at, value, subject}, breaching, subjects, noData, breachingForMs?, noValueForMs?, failsAfterMs, error?}], approval?}], halt?, frozen?}')
    .addHelpText(
      'after',
      '\nROLLOUT counts a ring\'s clusters by rollout state (pending, moved, applied, failed, excused, reverted,\n' +
        'unchanged, refused); AGENTS counts the clusters whose pointer the rollout moved by the phase their agent last\n' +
        'reported for its current move (Applied, Progressing, Degraded, Failed, Stale, `no report`, or `old report` when the\n' +
        'last report predates the move). Under each ring, one line per metric check: its latest worst value and\n' +
        'subject against the threshold, how long it has breached of its `for`, or how long it has had no data (and\n' +
        'when that fails the ring). Reads the statuses with one listing\n' +
        'and a GET each. Exit codes: 0 shown (a Halted rollout included; `no rollout in this store` too), 1 runtime\n' +
        'failure, 2 invalid flags.',
    )
    .action(async (flags: { store: string; json?: boolean }) => {
      const [{ createStatusObserver }, { systemClock }] = await Promise.all([import('@driftless/hub'), import('@driftless/clock')]);
      const opened = await openStore(flags.store, process.env, process.cwd());
      try {
        const observer = createStatusObserver(opened.store);
        const { controller } = await cliRolloutController({ store: opened.store, clock: systemClock, observer });
        const current = await controller.status();
        if (!current) {
          io.stdout(flags.json ? 'null\n' : 'no rollout in this store\n');
          return;
        }
        const doc = rolloutStatusDocument(current.rollout, current.summary, await observer.observe(movedClusters(current.rollout)));
        io.stdout(flags.json ? `${JSON.stringify(doc)}\n` : renderRolloutStatus(doc));
      } finally {
        opened.close();
      }
    });

  const command = (name: 'approve' | 'halt' | 'resume', description: string, moves: string) => {
    const cmd = rollout
      .command(name)
      .description(description)
      .requiredOption('--store <url>', STORE_HELP)
      .requiredOption('--reason <text>', 'why (required, not empty; recorded in the rollout and the audit log)')
      .option('--as <user>', AS_HELP)
      .option('--sign-key <file>', name === 'halt' ? HALT_SIGN_HELP : SIGN_HELP);
    if (name === 'halt') return cmd.option('--json', 'print the rollout as halted as one JSON document (as rollout step --json)').addHelpText('after', `\n${moves} ${EXIT_HELP}`);
    cmd.option('--pointer-ttl <duration>', TTL_HELP).option('--prometheus <url>', PROMETHEUS_HELP).option('--json', 'print the step that follows the command as one JSON document (as rollout step --json)');
    if (name === 'approve') cmd.requiredOption('--ring <name>', 'the ring to approve (one whose gates include approval)');
    return cmd.addHelpText('after', `\nRecords the command, then runs one step (as rollout step): ${moves} ${KEY_HELP} ${EXIT_HELP}\n\n${PROMETHEUS_ENV_HELP}`);
  };

  const act = (kind: RolloutCommand['kind']) => async (flags: StepFlags & { reason: string; as?: string; ring?: string }) => {
    const reason = reasonFlag(flags.reason);
    const actor = resolveActor(flags.as);
    const cmd: RolloutCommand = kind === 'approve' ? { kind, ring: flags.ring ?? '', actor, reason } : { kind, actor, reason };
    const said = kind === 'approve' ? `approved ring ${flags.ring ?? ''}` : kind === 'halt' ? 'halted the rollout' : 'resumed the rollout';
    await withController(io, flags, (c) => c.command(cmd), `${said} as ${actor}: ${reason}\n`, kind !== 'halt');
  };

  command('approve', 'record an approval of a ring (who, when, why); the step that follows opens it once earlier rings succeeded', 'it moves the ring\'s first wave when the ring may open (frozen: it says so and moves none).')
    .action(act('approve'));
  command(
    'halt',
    'halt the current rollout by hand: no pointer moves until rollout resume',
    'Records the halt and nothing else: it needs no key, moves no pointer, and leaves moves an earlier step did not\n' +
      'finish (and a revert that falls due) to the next rollout step with the rollout\'s key.',
  ).action(act('halt'));
  command('resume', 'resume a halted rollout: a failed ring\'s failed clusters are excused and its waves go on', 'it moves the next waves the gates allow (frozen: it says so and moves none).')
    .action(act('resume'));
}
