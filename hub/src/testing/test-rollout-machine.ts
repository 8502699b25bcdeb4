import {
  API_VERSION,
  deliveryPlanSchema,
  DriftlessError,
  type AuditDraft,
  type ClusterRollout,
  type Observations,
  type PointerMove,
  type Rollout,
  type Transition,
} from '@driftless/core';
import type { AuditSink, RolloutMachine } from '../rollout/rollout-controller.js';

/**
 * A tiny rollout state machine for the controller's tests (the real one is
 * core's): rings open one after another, each with every pending cluster at
 * once; a ring succeeds when all its moved clusters report Applied for their
 * bundle, and the next opens in the same step; a Degraded or Failed status of
 * a moved cluster halts the rollout. A freeze moves nothing. Deterministic.
 */
export const testRolloutMachine: RolloutMachine = {
  start(release, obs, now) {
    const at = iso(now);
    const clusters: Record<string, ClusterRollout> = {};
    for (const [name, c] of [...release.clusters].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const state = c.refused ? 'refused' : c.to === c.from ? 'unchanged' : 'pending';
      clusters[name] = { ring: c.ring, to: c.to, ...(c.from ? { from: c.from } : {}), statefulChanged: c.statefulChanged, state };
    }
    const first: Rollout = {
      apiVersion: API_VERSION,
      kind: 'Rollout',
      id: release.id,
      revision: release.revision,
      version: 1,
      createdAt: at,
      updatedAt: at,
      plan: deliveryPlanSchema.parse(release.plan),
      phase: 'Progressing',
      rings: release.plan.rings.map((r) => ({ name: r.name, phase: 'Pending', wavesOpened: 0, gates: [] })),
      clusters,
      ...(release.supersedes ? { supersedes: release.supersedes } : {}),
    };
    const t = advance(first, obs, now);
    const started: AuditDraft = { actor: 'hub', action: 'rollout.started', subject: `rollout/${release.id}`, data: { revision: release.revision } };
    return { state: { ...t.state, version: 1 }, moves: t.moves, audit: [started, ...t.audit], changed: true };
  },
  step(state, obs, now) {
    if (state.phase !== 'Progressing') return unchanged(state);
    const t = advance(state, obs, now);
    return t.changed ? { ...t, state: { ...t.state, version: state.version + 1, updatedAt: iso(now) } } : t;
  },
  command(state, cmd, now) {
    const refuse = (why: string): never => {
      throw new DriftlessError('RolloutCommandRefused', `rollout ${state.id} ${cmd.kind} failed: ${why}`, { rollout: state.id, command: cmd.kind });
    };
    const record = { actor: cmd.actor, at: iso(now), reason: cmd.reason };
    const bump = (next: Rollout, action: AuditDraft['action']): Transition => ({
      state: { ...next, version: state.version + 1, updatedAt: iso(now) },
      moves: [],
      audit: [{ actor: cmd.actor, action, subject: `rollout/${state.id}`, reason: cmd.reason, data: {} }],
      changed: true,
    });
    if (cmd.kind === 'halt') return state.phase === 'Progressing' ? bump({ ...state, phase: 'Halted', halt: { ...record, automatic: false } }, 'rollout.halted') : refuse('not progressing');
    if (cmd.kind === 'resume') {
      if (state.phase !== 'Halted') return refuse('it is not halted');
      const { halt: _h, ...rest } = state;
      return bump({ ...rest, phase: 'Progressing' }, 'rollout.resumed');
    }
    const ring = state.rings.findIndex((r) => r.name === cmd.ring);
    if (ring < 0) return refuse(`it has no ring ${cmd.ring}`);
    return bump({ ...state, rings: state.rings.map((r, i) => (i === ring ? { ...r, approval: record } : r)) }, 'rollout.approved');
  },
  supersede(state, byId, now) {
    if (state.phase === 'Completed' || state.phase === 'Superseded') return unchanged(state);
    const audit: AuditDraft[] = [{ actor: 'hub', action: 'rollout.superseded', subject: `rollout/${state.id}`, data: { by: byId } }];
    return { state: { ...state, phase: 'Superseded', supersededBy: byId, version: state.version + 1, updatedAt: iso(now) }, moves: [], audit, changed: true };
  },
};

function advance(state: Rollout, obs: Observations, now: number): Transition {
  const clusters = { ...state.clusters };
  const rings = [...state.rings];
  const moves: PointerMove[] = [];
  const audit: AuditDraft[] = [];
  let changed = false;
  for (const [name, c] of Object.entries(clusters)) {
    const s = obs.statuses.get(name);
    if (c.state !== 'moved' || !s) continue;
    if (s.phase === 'Applied' && s.appliedBundle === c.to) clusters[name] = { ...c, state: 'applied', settledAt: iso(now) };
    else if (s.phase === 'Degraded' || s.phase === 'Failed') {
      const reason = `${s.phase}: ${s.lastError ?? ''}`;
      const halted: Rollout = { ...state, clusters: { ...clusters, [name]: { ...c, state: 'failed', reason } }, phase: 'Halted', halt: { actor: 'hub', at: iso(now), reason: `${name} ${reason}`, automatic: true } };
      return { state: halted, moves: [], audit: [{ actor: 'hub', action: 'rollout.halted', subject: `rollout/${state.id}`, reason, data: { cluster: name } }], changed: true };
    }
    changed ||= clusters[name] !== c;
  }
  for (let i = 0; i < rings.length; i++) {
    const ring = rings[i];
    if (!ring || ring.phase === 'Succeeded') continue;
    const members = Object.entries(clusters).filter(([, c]) => c.ring === i);
    if (ring.phase === 'Pending') {
      if (obs.freeze) break;
      for (const [name, c] of members.filter(([, c]) => c.state === 'pending')) {
        clusters[name] = { ...c, state: 'moved', wave: 1, movedAt: iso(now) };
        moves.push({ cluster: name, digest: c.to, reason: 'wave' });
      }
      rings[i] = { ...ring, phase: 'Progressing', wavesOpened: 1, openedAt: iso(now) };
      audit.push({ actor: 'hub', action: 'wave.opened', subject: `rollout/${state.id}/ring/${ring.name}`, data: { ring: ring.name, wave: 1 } });
      changed = true;
    }
    if (members.some(([name]) => clusters[name]?.state === 'moved')) break;
    rings[i] = { ...(rings[i] ?? ring), phase: 'Succeeded', finishedAt: iso(now) };
    changed = true;
  }
  const done = rings.every((r) => r.phase === 'Succeeded');
  if (done) audit.push({ actor: 'hub', action: 'rollout.completed', subject: `rollout/${state.id}`, data: {} });
  if (!changed) return unchanged(state);
  return { state: { ...state, clusters, rings, phase: done ? 'Completed' : state.phase }, moves, audit, changed: true };
}

function unchanged(state: Rollout): Transition {
  return { state, moves: [], audit: [], changed: false };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** An audit sink that keeps every draft in memory, in order. */
export function auditRecorder(): AuditSink & { readonly drafts: AuditDraft[] } {
  const drafts: AuditDraft[] = [];
  return {
    drafts,
    append(more) {
      drafts.push(...more);
      return Promise.resolve();
    },
  };
}
