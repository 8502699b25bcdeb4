import type { AgentState } from './agent-state.js';
import { afterIntake, takeIn, type Intake } from './intake.js';
import type { NextWait } from './next-wait.js';
import type { PassResult } from './pass-result.js';
import { staleOf } from './stale-pointer.js';
import type { PassContext } from './steps/pass-context.js';
import { reconcileBundle } from './steps/reconcile-bundle.js';
import { report } from './steps/report.js';
import { summarize, type LogEvent, type Reconciled } from './summarize.js';

/** A pass that ran to its end (its result and the wait before the next), or one stopped because the lease was lost. */
export type PassOutcome = { readonly kind: 'done'; readonly result: PassResult; readonly next: NextWait } | { readonly kind: 'aborted' };

/**
 * One pass, as ordered steps: poll the pointer, verify it, fetch and verify
 * its bundle (takeIn); unless the pointer is stale (expired: the cluster is
 * left as it is, no apply, no prune, no drift correction), record the replay
 * floor, apply the bundle in force in stages, prune, assess health;
 * summarize; report. Steps return values; this runner alone assigns
 * the fields of `state` (from their results and the summary) and logs. Two
 * memories are updated in place on purpose, where the work happens: the
 * reconcile step fills `state.normalized` and `state.members` (memos that
 * spare later passes writes and hashing), and verifying a pointer records its
 * generation in the verifier (replay protection), even when its bundle then
 * fails. A pass whose lease is lost (ctx.signal) ends `aborted`: no status,
 * no log of its own. A superseded pass (another agent of the cluster recorded
 * a higher generation: it leads, or led meanwhile) writes no status either, so
 * it never overwrites that agent's: it logs a warning and its result says
 * Failed with `statusWritten: false`.
 */
export async function runPass(ctx: PassContext, state: AgentState, log: (event: LogEvent) => void): Promise<PassOutcome> {
  const intake = await takeIn(ctx);
  Object.assign(state, afterIntake(state, intake));
  const stale = intake.poll === 'error' ? undefined : staleOf(state, ctx.config.cluster, ctx.clock.now());
  let reconciled: Reconciled | undefined;
  if (intake.poll !== 'error' && !stale && state.bundle) {
    const done = await reconcileBundle(ctx, state.bundle);
    if (done.kind === 'aborted') return { kind: 'aborted' };
    if (done.kind === 'superseded') return superseded(ctx, state, intake, done.error, log);
    reconciled = done;
  }
  if (ctx.signal?.aborted) return { kind: 'aborted' };
  const summary = summarize({ now: ctx.clock.now(), config: ctx.config, intake, state, reconciled, stale });
  for (const event of summary.log) log(event);
  const reported = await report(ctx, summary.status);
  if (reported.kind === 'aborted') return { kind: 'aborted' };
  if (reported.kind === 'failed') log({ level: 'error', msg: 'status write failed', cluster: ctx.config.cluster, error: reported.error });
  if (reported.kind === 'written') state.lastStatus = { body: reported.body, at: reported.at };
  state.failures = summary.failures;
  state.appliedAt = summary.appliedAt;
  return { kind: 'done', result: { ...summary.result, statusWritten: reported.kind === 'written' }, next: summary.next };
}

/** A superseded pass: logged, no status written, its failure counted for backoff (the next pass reloads from the records). */
function superseded(ctx: PassContext, state: AgentState, intake: Intake, error: string, log: (event: LogEvent) => void): PassOutcome {
  const { cluster } = ctx.config;
  log({ level: 'warn', msg: 'superseded by another agent of the cluster: no status written', cluster, error });
  const summary = summarize({ now: ctx.clock.now(), config: ctx.config, intake, state, reconciled: { kind: 'error', error } });
  state.failures = summary.failures;
  return { kind: 'done', result: { ...summary.result, statusWritten: false }, next: summary.next };
}
