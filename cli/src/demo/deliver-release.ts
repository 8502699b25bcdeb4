import { isDriftlessError, type Clock, type Rollout } from '@driftless/core';
import type { RolloutController } from '@driftless/hub';
import { ringLines, type StatusLine } from './ring-lines.js';

/** Who approves in the demo, as the audit log records it. */
export const DEMO_ACTOR = 'demo';

/** What deliverRelease needs, injected. */
export interface DeliverReleaseDeps {
  /** The hub's rollout controller over the demo's store (the one `hub compile` started the rollout with). */
  readonly controller: RolloutController;
  readonly clock: Clock;
  /** Between two steps, ms. */
  readonly stepMs: number;
  /**
   * How long a ring awaiting approval waits for a person (in the dashboard)
   * before the demo approves it itself, ms; 0 approves at once.
   */
  readonly approveAfterMs: number;
  /** Where a person approves: the dashboard's rollout page, without a token. Absent: no dashboard runs. */
  readonly dashboardUrl?: string;
  /** Stops the loop after the current step. */
  readonly signal: AbortSignal;
  /** The approval prompt and its answer. */
  readonly log: (line: string) => void;
  /** The live lines, one per ring, after every step. */
  readonly status: (lines: readonly StatusLine[]) => void;
}

/** The ring the demo waits on a person for, and since when (ms). */
interface Waiting {
  readonly ring: string;
  readonly since: number;
}

/**
 * Steps the current rollout every `stepMs` until it is Completed, Halted or
 * Superseded (or `signal` aborts), showing one line per ring after each step.
 * A ring awaiting approval is left to a person for `approveAfterMs` (the
 * demo keeps stepping, and says who approved it when someone did); after
 * that it is approved through the controller's command by
 * {@link DEMO_ACTOR}. Resolves with the rollout as last read; undefined
 * when the store has none.
 */
export async function deliverRelease(deps: DeliverReleaseDeps): Promise<Rollout | undefined> {
  let waiting: Waiting | undefined;
  for (;;) {
    const current = await deps.controller.status();
    if (!current) return undefined;
    const { rollout } = current;
    const now = deps.clock.now();
    deps.status(ringLines(rollout, now));
    if (waiting) waiting = approvedMeanwhile(rollout, waiting, deps.log);
    if (rollout.phase === 'Completed' || rollout.phase === 'Halted' || rollout.phase === 'Superseded' || deps.signal.aborted) return rollout;
    const ring = rollout.rings.find((r) => r.phase === 'AwaitingApproval')?.name;
    if (ring !== undefined && !waiting) {
      waiting = { ring, since: now };
      if (deps.approveAfterMs > 0) deps.log(`approve ${ring} ${where(deps, ring)}, or the demo approves it itself in ${Math.round(deps.approveAfterMs / 1000)}s`);
    }
    if (waiting && now - waiting.since >= deps.approveAfterMs) {
      await approveItself(deps, waiting.ring);
      continue;
    }
    const pause = waiting ? Math.min(deps.stepMs, waiting.since + deps.approveAfterMs - now) : deps.stepMs;
    await deps.clock.sleep(pause, deps.signal);
    if (deps.signal.aborted) return rollout;
    await deps.controller.step();
  }
}

function where(deps: DeliverReleaseDeps, ring: string): string {
  return deps.dashboardUrl ? `in the dashboard (${deps.dashboardUrl})` : `with driftless rollout approve --ring ${ring}`;
}

/**
 * The ring the demo waited on, unless it no longer awaits approval: then
 * logs who approved it when that was not the demo (a person in the
 * dashboard) and returns undefined.
 */
function approvedMeanwhile(rollout: Rollout, waiting: Waiting, log: (line: string) => void): Waiting | undefined {
  const ring = rollout.rings.find((r) => r.name === waiting.ring);
  if (ring?.phase === 'AwaitingApproval') return waiting;
  if (ring?.approval && ring.approval.actor !== DEMO_ACTOR) log(`${waiting.ring} approved by ${ring.approval.actor}`);
  return undefined;
}

/**
 * Approves `ring` as {@link DEMO_ACTOR}. A refusal means the ring no longer
 * awaits approval (a person approved it in the dashboard just before): the
 * next read of the rollout says by whom.
 */
async function approveItself(deps: DeliverReleaseDeps, ring: string): Promise<void> {
  if (deps.approveAfterMs > 0) deps.log(`nobody approved ${ring} within ${Math.round(deps.approveAfterMs / 1000)}s: the demo approves it itself (as ${DEMO_ACTOR})`);
  else deps.log(`approve ${ring}? [y/N] … demo answers: y (as ${DEMO_ACTOR})`);
  try {
    await deps.controller.command({ kind: 'approve', ring, actor: DEMO_ACTOR, reason: 'the demo approves its own release' });
  } catch (err) {
    if (!isDriftlessError(err, 'RolloutCommandRefused')) throw err;
  }
}
