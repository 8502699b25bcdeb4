import { formatDurationMs } from '../duration.js';
import { evaluateChecks, settleChecks, soakOf, type ChecksVerdict } from './checks.js';
import type { Observations } from './machine-types.js';
import { audit, HUB_ACTOR, setGate, setRingPhase, subjectOf, type StepContext } from './step-context.js';
import type { Rollout } from './rollout-document.js';
import { clustersOfRing, failureBudget, gatedClusters, openWave, revertRing } from './waves.js';

/**
 * One ring's gates, evaluated once per step in ring order (so a ring that
 * succeeds lets the next one open in the same step). `earlierSucceeded`:
 * every ring before this one has Succeeded.
 */
export function evaluateRing(ctx: StepContext, index: number, earlierSucceeded: boolean, metrics: Observations['metrics']): void {
  const ring = ctx.draft.rings[index];
  if (ring === undefined) return;
  if (ring.phase === 'Pending' || ring.phase === 'AwaitingApproval') {
    if (earlierSucceeded) tryOpen(ctx, index);
  } else if (ring.phase === 'Progressing' || ring.phase === 'Soaking') {
    if (withinBudget(ctx, index)) {
      const checks = evaluateChecks(ctx, index, metrics);
      if (checks !== 'failed') advance(ctx, index, checks);
    }
  }
  if (revertDue(ctx.draft, index) && ctx.frozen === undefined) revertRing(ctx, index);
}

/** Whether ring `index` failed under `onFailure: revert` and its revert has not run yet (it waits for unfreeze). */
export function revertDue(rollout: Rollout, index: number): boolean {
  const ring = rollout.rings[index];
  return ring?.phase === 'Failed' && rollout.plan.onFailure === 'revert' && ring.reverted !== true;
}

/** Opens the ring when its approval (if it needs one) is recorded, the rollout is not halted and the fleet not frozen. */
function tryOpen(ctx: StepContext, index: number): void {
  const { draft } = ctx;
  const ring = draft.rings[index];
  const plan = draft.plan.rings[index];
  if (ring === undefined || plan === undefined || draft.phase === 'Halted') return;
  if (gatedClusters(clustersOfRing(draft, index)).length === 0) {
    // Nothing to move means nothing to watch or approve.
    for (const gate of ring.gates) setGate(ring, gate.gate, 'passed', 'no cluster of this ring changes', ctx.at);
    ring.finishedAt = ctx.at;
    setRingPhase(ctx, ring, 'Succeeded', 'no cluster of this ring changes');
    return;
  }
  if (plan.approval && ring.approval === undefined) {
    setGate(ring, 'approval', 'pending', `waiting for approval: driftless rollout approve --ring ${ring.name}`, ctx.at);
    setRingPhase(ctx, ring, 'AwaitingApproval', 'earlier rings succeeded; the ring needs a recorded approval');
    return;
  }
  if (ctx.frozen !== undefined) {
    // Approved (or needing no approval) and held only by the freeze: Pending, so nobody approves again.
    setGate(ring, 'health', 'pending', ctx.frozen, ctx.at);
    setRingPhase(ctx, ring, 'Pending', ctx.frozen);
    return;
  }
  ring.openedAt = ctx.at;
  if (ring.approval !== undefined) setGate(ring, 'approval', 'passed', `approved by ${ring.approval.actor}: ${ring.approval.reason}`, ctx.at);
  setRingPhase(ctx, ring, 'Progressing', ring.approval === undefined ? 'earlier rings succeeded' : `earlier rings succeeded; approved by ${ring.approval.actor}`);
  openWave(ctx, index);
  setGate(ring, 'health', 'pending', healthSummary(ctx, index), ctx.at);
}

/** `3 of 10 applied, 1 failed (budget 2)`: the health gate's reason while the ring progresses. */
function healthSummary(ctx: StepContext, index: number): string {
  const { failed, budget, total } = failureBudget(ctx.draft, index);
  const clusters = clustersOfRing(ctx.draft, index);
  const applied = clusters.filter(({ cluster }) => cluster.state === 'applied').length;
  const excused = clusters.filter(({ cluster }) => cluster.state === 'excused').length;
  return `${applied} of ${total} applied, ${failed.length} failed (budget ${budget})${excused > 0 ? `, ${excused} excused` : ''}`;
}

/**
 * The failure budget: more failed clusters than `maxFailures` fails the ring
 * and halts the rollout in this same step. Returns whether it held.
 */
function withinBudget(ctx: StepContext, index: number): boolean {
  const { draft } = ctx;
  const ring = draft.rings[index];
  const { failed, budget, total } = failureBudget(draft, index);
  if (ring === undefined || failed.length <= budget) return true;
  const named = failed.slice(0, 5).map(({ name, cluster }) => `${name} (${cluster.reason ?? 'failed'})`);
  const more = failed.length > 5 ? ` and ${failed.length - 5} more` : '';
  const reason = `ring ${ring.name}: ${failed.length} of ${total} clusters failed, more than maxFailures ${budget}: ${named.join(', ')}${more}`;
  if (ring.phase === 'Soaking') setGate(ring, 'soak', 'failed', 'a cluster failed during the soak', ctx.at);
  setGate(ring, 'health', 'failed', reason, ctx.at);
  ring.finishedAt = ctx.at;
  setRingPhase(ctx, ring, 'Failed', reason);
  if (draft.phase !== 'Halted') {
    draft.phase = 'Halted';
    draft.halt = { actor: HUB_ACTOR, at: ctx.at, reason, ring: ring.name, automatic: true };
    audit(ctx, { action: 'rollout.halted', subject: subjectOf(draft), data: { ring: ring.name, failed: failed.length, budget }, reason });
  }
  return false;
}

/**
 * Next wave, or the soak once every wave is applied, or success once the
 * soak has lasted (see soakOf: at least the checks' longest `for`). A
 * breaching check, or one whose query fails, holds the next wave and the end
 * of the soak; only passed checks let the ring succeed.
 */
function advance(ctx: StepContext, index: number, checks: ChecksVerdict): void {
  const { draft } = ctx;
  const ring = draft.rings[index];
  const plan = draft.plan.rings[index];
  if (ring === undefined || plan === undefined) return;
  const soakMs = soakOf(draft.plan, index);
  if (ring.phase === 'Progressing') {
    const clusters = clustersOfRing(draft, index);
    if (clusters.some(({ cluster }) => cluster.state === 'moved')) {
      setGate(ring, 'health', 'pending', healthSummary(ctx, index), ctx.at);
      return;
    }
    if (clusters.some(({ cluster }) => cluster.state === 'pending')) {
      if (draft.phase === 'Halted' || checks === 'breaching' || checks === 'blind') return;
      if (ctx.frozen !== undefined) setGate(ring, 'health', 'pending', ctx.frozen, ctx.at);
      else {
        openWave(ctx, index);
        setGate(ring, 'health', 'pending', healthSummary(ctx, index), ctx.at);
      }
      return;
    }
    setGate(ring, 'health', 'passed', healthSummary(ctx, index), ctx.at);
    setGate(ring, 'soak', 'pending', `soaking ${formatDurationMs(soakMs)} since ${ctx.at}`, ctx.at);
    ring.soakingSince = ctx.at;
    setRingPhase(ctx, ring, 'Soaking', `every wave applied; soaking ${formatDurationMs(soakMs)}`);
  }
  const since = ring.soakingSince === undefined ? ctx.nowMs : Date.parse(ring.soakingSince);
  if (ctx.nowMs - since < soakMs) return;
  if (checks !== 'passed') {
    setGate(ring, 'soak', 'pending', `soaked ${formatDurationMs(soakMs)}; waiting for every check to pass`, ctx.at);
    return;
  }
  setGate(ring, 'soak', 'passed', `healthy for ${formatDurationMs(soakMs)}`, ctx.at);
  ring.finishedAt = ctx.at;
  settleChecks(ring);
  setRingPhase(ctx, ring, 'Succeeded', `healthy for ${formatDurationMs(soakMs)} after the last wave`);
}
