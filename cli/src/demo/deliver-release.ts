import type { Clock, Rollout } from '@driftless/core';
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
  /** Stops the loop after the current step. */
  readonly signal: AbortSignal;
  /** The approval prompt and its answer. */
  readonly log: (line: string) => void;
  /** The live lines, one per ring, after every step. */
  readonly status: (lines: readonly StatusLine[]) => void;
}

/**
 * Steps the current rollout every `stepMs` until it is Completed, Halted or
 * Superseded (or `signal` aborts), showing one line per ring after each step.
 * A ring awaiting approval is approved at once through the controller's
 * command, by {@link DEMO_ACTOR}, after printing the prompt a person would
 * answer. Resolves with the rollout as last read; undefined when the store
 * has none.
 */
export async function deliverRelease(deps: DeliverReleaseDeps): Promise<Rollout | undefined> {
  for (;;) {
    const current = await deps.controller.status();
    if (!current) return undefined;
    const { rollout } = current;
    deps.status(ringLines(rollout, deps.clock.now()));
    if (rollout.phase === 'Completed' || rollout.phase === 'Halted' || rollout.phase === 'Superseded' || deps.signal.aborted) return rollout;
    const waiting = rollout.rings.find((r) => r.phase === 'AwaitingApproval');
    if (waiting) {
      deps.log(`approve ${waiting.name}? [y/N] … demo answers: y (as ${DEMO_ACTOR})`);
      await deps.controller.command({ kind: 'approve', ring: waiting.name, actor: DEMO_ACTOR, reason: 'the demo approves its own release' });
      continue;
    }
    await deps.clock.sleep(deps.stepMs, deps.signal);
    if (deps.signal.aborted) return rollout;
    await deps.controller.step();
  }
}
