import { isDeepStrictEqual } from 'node:util';
import { API_VERSION } from '../documents/common.js';
import { formatDurationMs } from '../duration.js';
import { DriftlessError } from '../errors.js';
import type { Observations, Release, StartRollout, StepRollout, SupersedeRollout, Transition } from './machine-types.js';
import type { DeliveryPlan, RingPlan } from './plan.js';
import { soakOf } from './checks.js';
import { evaluateRing } from './rings.js';
import type { ClusterRollout, RingState, Rollout } from './rollout-document.js';
import { audit, newContext, subjectOf, type StepContext } from './step-context.js';
import { recordVerdicts } from './verdicts.js';

/*
 * The rollout state machine (DESIGN.md, Delivery; issue 12). Every function
 * is pure: `now` comes in as ms, timestamps go out as ISO strings, clusters
 * are visited in name order, so the same inputs give deep-equal outputs.
 * Each works on a private copy and returns the caller's object itself when
 * nothing changed (changed: false, version kept).
 */

/** One step over a private copy: verdicts first, then every ring in order, then the rollout's phase. */
function runStep(ctx: StepContext, observations: Observations): void {
  recordVerdicts(ctx, observations.statuses);
  let earlierSucceeded = true;
  for (let i = 0; i < ctx.draft.rings.length; i += 1) {
    evaluateRing(ctx, i, earlierSucceeded, observations.metrics);
    earlierSucceeded = earlierSucceeded && ctx.draft.rings[i]?.phase === 'Succeeded';
  }
  settlePhase(ctx);
}

/** Completed when every ring succeeded (not while halted: a person resumes first), else AwaitingApproval or Progressing. */
function settlePhase(ctx: StepContext): void {
  const { draft } = ctx;
  if (draft.phase !== 'Progressing' && draft.phase !== 'AwaitingApproval') return;
  if (draft.rings.every((r) => r.phase === 'Succeeded')) {
    draft.phase = 'Completed';
    const clusters = Object.values(draft.clusters);
    const data = { rings: draft.rings.length, applied: clusters.filter((c) => c.state === 'applied').length, clusters: clusters.length };
    audit(ctx, { action: 'rollout.completed', subject: subjectOf(draft), data, reason: 'every ring succeeded' });
    return;
  }
  draft.phase = draft.rings.some((r) => r.phase === 'AwaitingApproval') ? 'AwaitingApproval' : 'Progressing';
}

/** The transition a context built: the caller's own state when the copy ends up equal to it. */
export function finishTransition(state: Rollout, ctx: StepContext): Transition {
  if (isDeepStrictEqual(ctx.draft, state)) return { state, moves: [], audit: [], changed: false };
  ctx.draft.version = state.version + 1;
  ctx.draft.updatedAt = ctx.at;
  return { state: ctx.draft, moves: ctx.moves, audit: ctx.audit, changed: true };
}

function copyPlan(plan: DeliveryPlan): Rollout['plan'] {
  const ring = (r: RingPlan): Rollout['plan']['rings'][number] => ({ ...r, maxConcurrent: { ...r.maxConcurrent }, maxFailures: { ...r.maxFailures }, checks: [...r.checks] });
  return { mode: plan.mode, onFailure: plan.onFailure, rings: plan.rings.map(ring), checks: plan.checks.map((c) => ({ ...c })) };
}

function initialRing(plan: RingPlan, index: number, at: string, soakMs: number): RingState {
  const gates: RingState['gates'] = [
    { gate: 'health', state: 'pending', reason: index === 0 ? 'not opened yet' : 'waiting for earlier rings', since: at },
    { gate: 'soak', state: 'pending', reason: `${formatDurationMs(soakMs)} after the last wave is applied`, since: at },
  ];
  if (plan.approval) gates.push({ gate: 'approval', state: 'pending', reason: 'needs a recorded approval', since: at });
  for (const check of plan.checks) gates.push({ gate: `check:${check}`, state: 'pending', reason: 'not evaluated yet', since: at });
  return { name: plan.name, phase: 'Pending', wavesOpened: 0, gates };
}

function initialClusters(release: Release): Rollout['clusters'] {
  const clusters: Rollout['clusters'] = {};
  for (const name of [...release.clusters.keys()].sort()) {
    const c = release.clusters.get(name);
    if (c === undefined) continue;
    if (release.plan.rings[c.ring] === undefined) {
      throw new DriftlessError('Internal', `rollout ${release.id} start failed: cluster ${name} is in ring ${c.ring}, the plan has ${release.plan.rings.length}`, {
        invariant: 'every release cluster names a ring of the plan',
      });
    }
    const state: ClusterRollout['state'] = c.to === c.from ? 'unchanged' : c.refused === true ? 'refused' : 'pending';
    const entry: ClusterRollout = { ring: c.ring, to: c.to, statefulChanged: c.statefulChanged, state };
    if (c.from !== undefined) entry.from = c.from;
    if (c.labels !== undefined) entry.labels = { ...c.labels };
    clusters[name] = entry;
  }
  return clusters;
}

/**
 * Starts the rollout of `release`: clusters whose bundle does not change are
 * `unchanged`, those the mass-prune guard refused `refused`, the rest
 * `pending`; then one step runs, so ring 0's first wave opens in the same
 * transition (unless frozen, or ring 0 needs an approval). Always changed, version 1.
 */
export const startRollout: StartRollout = (release, observations, now) => {
  const at = new Date(now).toISOString();
  const initial: Rollout = {
    apiVersion: API_VERSION,
    kind: 'Rollout',
    id: release.id,
    revision: release.revision,
    version: 1,
    createdAt: at,
    updatedAt: at,
    plan: copyPlan(release.plan),
    phase: 'Progressing',
    rings: release.plan.rings.map((r, i) => initialRing(r, i, at, soakOf(release.plan, i))),
    clusters: initialClusters(release),
  };
  if (release.supersedes !== undefined) initial.supersedes = release.supersedes;
  const ctx = newContext(initial, now, observations.freeze);
  const counts = { revision: release.revision, rings: release.plan.rings.length, clusters: release.clusters.size };
  audit(ctx, { action: 'rollout.started', subject: subjectOf(initial), data: counts, reason: `release of ${release.revision}` });
  runStep(ctx, observations);
  return { state: ctx.draft, moves: ctx.moves, audit: ctx.audit, changed: true };
};

/**
 * One evaluation of every gate, and the moves it allows: verdicts from the
 * statuses, failure budgets (a breach halts in this step), waves, soak,
 * approvals, reverts. Frozen: verdicts and halts only, no move. Completed
 * and Superseded rollouts never change.
 */
export const stepRollout: StepRollout = (state, observations, now) => {
  if (state.phase === 'Completed' || state.phase === 'Superseded') return { state, moves: [], audit: [], changed: false };
  const ctx = newContext(state, now, observations.freeze);
  runStep(ctx, observations);
  return finishTransition(state, ctx);
};

/** Marks a running rollout Superseded by `byId` (no moves: its clusters keep what they have). Finished ones stay as they are. */
export const supersedeRollout: SupersedeRollout = (state, byId, now) => {
  if (state.phase === 'Completed' || state.phase === 'Superseded') return { state, moves: [], audit: [], changed: false };
  const ctx = newContext(state, now, undefined);
  ctx.draft.phase = 'Superseded';
  ctx.draft.supersededBy = byId;
  audit(ctx, { action: 'rollout.superseded', subject: subjectOf(state), data: { by: byId, from: state.phase }, reason: `a newer release started rollout ${byId}` });
  return finishTransition(state, ctx);
};
