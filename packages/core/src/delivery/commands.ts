import { DriftlessError } from '../errors.js';
import { finishTransition } from './machine.js';
import type { ApplyRolloutCommand, RolloutCommand } from './machine-types.js';
import type { Rollout } from './rollout-document.js';
import { audit, newContext, setGate, setRingPhase, subjectOf, type StepContext } from './step-context.js';
import { revertDue } from './rings.js';
import { resetChecks } from './checks.js';
import { clustersOfRing } from './waves.js';

function refused(state: Rollout, command: RolloutCommand, why: string): DriftlessError<'RolloutCommandRefused'> {
  return new DriftlessError('RolloutCommandRefused', `rollout ${state.id} ${command.kind} failed: ${why}`, { rollout: state.id, command: command.kind });
}

/** Why `command` does not apply to `state`, or undefined when it does. */
function refusal(state: Rollout, command: RolloutCommand): string | undefined {
  if (state.phase === 'Completed' || state.phase === 'Superseded') return `the rollout is ${state.phase}`;
  if (command.kind === 'halt') return state.phase === 'Halted' ? `it is already halted (by ${state.halt?.actor ?? 'unknown'}: ${state.halt?.reason ?? ''})` : undefined;
  if (command.kind === 'resume') {
    if (state.phase !== 'Halted') return `it is not halted (phase ${state.phase})`;
    const due = state.rings.find((_, i) => revertDue(state, i));
    // Resuming would excuse the failed clusters and drop the revert; it runs at the first step after unfreeze.
    return due === undefined ? undefined : `ring ${due.name} failed and its revert has not run yet (it runs at the first step after the fleet is unfrozen): resume after it`;
  }
  const index = state.rings.findIndex((r) => r.name === command.ring);
  const ring = state.rings[index];
  if (ring === undefined) return `no ring named ${command.ring} (rings: ${state.rings.map((r) => r.name).join(', ')})`;
  if (state.plan.rings[index]?.approval !== true) return `ring ${ring.name} needs no approval`;
  if (ring.phase !== 'Pending' && ring.phase !== 'AwaitingApproval') return `ring ${ring.name} is already ${ring.phase}`;
  if (ring.approval !== undefined) return `ring ${ring.name} is already approved by ${ring.approval.actor} at ${ring.approval.at}`;
  return undefined;
}

function approve(ctx: StepContext, command: Extract<RolloutCommand, { kind: 'approve' }>): void {
  const { draft } = ctx;
  const ring = draft.rings.find((r) => r.name === command.ring);
  if (ring === undefined) return;
  ring.approval = { actor: command.actor, at: ctx.at, reason: command.reason };
  setGate(ring, 'approval', 'passed', `approved by ${command.actor}: ${command.reason}`, ctx.at);
  const data = { ring: ring.name, phase: ring.phase };
  audit(ctx, { action: 'rollout.approved', subject: subjectOf(draft, ring.name), data, reason: command.reason, actor: command.actor });
}

function halt(ctx: StepContext, command: Extract<RolloutCommand, { kind: 'halt' }>): void {
  const { draft } = ctx;
  const from = draft.phase;
  draft.phase = 'Halted';
  draft.halt = { actor: command.actor, at: ctx.at, reason: command.reason, automatic: false };
  audit(ctx, { action: 'rollout.halted', subject: subjectOf(draft), data: { from, automatic: false }, reason: command.reason, actor: command.actor });
}

/**
 * Resume (refused while a Failed ring's revert is still due, i.e. the fleet
 * was frozen when it failed: resuming would excuse its clusters and lose the
 * revert): a Failed ring goes back to Progressing; its failed clusters are
 * excused (a person accepted them) and its reverted ones pending again (the
 * next waves move them forward once more).
 */
function resume(ctx: StepContext, command: Extract<RolloutCommand, { kind: 'resume' }>): void {
  const { draft } = ctx;
  const halt = draft.halt;
  delete draft.halt;
  draft.phase = 'Progressing';
  let excused = 0;
  let pending = 0;
  draft.rings.forEach((ring, index) => {
    if (ring.phase !== 'Failed') return;
    for (const { cluster } of clustersOfRing(draft, index)) {
      if (cluster.state === 'failed') {
        cluster.state = 'excused';
        excused += 1;
      } else if (cluster.state === 'reverted') {
        cluster.state = 'pending';
        pending += 1;
      }
    }
    delete ring.finishedAt;
    delete ring.soakingSince;
    delete ring.reverted;
    setGate(ring, 'health', 'pending', `resumed by ${command.actor}: ${command.reason}`, ctx.at);
    resetChecks(ring, `resumed by ${command.actor}: ${command.reason}`, ctx.at);
    setRingPhase(ctx, ring, 'Progressing', `resumed by ${command.actor}: ${command.reason}`, command.actor);
  });
  const data = { excused, pending, haltedBy: halt?.actor ?? 'unknown', ...(halt?.ring === undefined ? {} : { ring: halt.ring }) };
  audit(ctx, { action: 'rollout.resumed', subject: subjectOf(draft), data, reason: command.reason, actor: command.actor });
}

/**
 * A person's command: `approve` records who, when and why for a ring that
 * needs an approval and has not opened (before earlier rings finish too);
 * `halt` stops every move; `resume` lifts a halt (the controller then runs a
 * step). A command that does not apply throws a stalled
 * `RolloutCommandRefused` whose message says why.
 */
export const applyRolloutCommand: ApplyRolloutCommand = (state, command, now) => {
  const why = refusal(state, command);
  if (why !== undefined) throw refused(state, command, why);
  const ctx = newContext(state, now, undefined);
  if (command.kind === 'approve') approve(ctx, command);
  else if (command.kind === 'halt') halt(ctx, command);
  else resume(ctx, command);
  return finishTransition(state, ctx);
};
