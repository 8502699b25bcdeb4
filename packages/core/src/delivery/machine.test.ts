import { describe, expect, it } from 'vitest';
import type { Digest } from '../digest.js';
import { isDriftlessError } from '../errors.js';
import { applyRolloutCommand, startRollout, stepRollout, summarizeRollout, supersedeRollout, verdictOf } from './index.js';
import type { Observations, ObservedStatus, Release, ReleaseCluster, RolloutCommand, Transition } from './machine-types.js';
import { RING_DEFAULTS, type DeliveryPlan, type RingPlan } from './plan.js';
import { rolloutId, rolloutSchema, type ClusterRollout, type Rollout } from './rollout-document.js';

const digest = (n: number): Digest => `sha256:${n.toString(16).padStart(64, '0')}`;
const NEW = digest(1);
const OLD = digest(2);
const REV = 'a'.repeat(40);
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

const ring = (name: string, over: Partial<RingPlan> = {}): RingPlan => ({
  name,
  soakMs: 0,
  maxConcurrent: RING_DEFAULTS.maxConcurrent,
  maxFailures: RING_DEFAULTS.maxFailures,
  progressDeadlineMs: RING_DEFAULTS.progressDeadlineMs,
  approval: false,
  checks: [],
  ...over,
});

type ClusterSpec = Omit<Partial<ReleaseCluster>, 'from'> & { ring: number; from?: Digest | undefined };

function release(rings: RingPlan[], clusters: Record<string, ClusterSpec>, plan: Partial<DeliveryPlan> = {}): Release {
  const map = new Map<string, ReleaseCluster>();
  for (const [name, { from, ...c }] of Object.entries(clusters)) {
    const base = { to: NEW, statefulChanged: false, ...c };
    map.set(name, 'from' in clusters[name]! && from === undefined ? base : { ...base, from: from ?? OLD });
  }
  return { id: rolloutId(REV, T0), revision: REV, plan: { mode: 'continuous-deployment', onFailure: 'halt', rings, checks: [], ...plan }, clusters: map };
}

function status(phase: ObservedStatus['phase'], generation = 1, over: { appliedBundle?: Digest; lastError?: string } = {}): ObservedStatus {
  const base: ObservedStatus = { phase, observedGeneration: generation, heartbeatAt: iso(T0), ...over };
  return phase === 'Applied' && over.appliedBundle === undefined ? { ...base, appliedBundle: NEW } : base;
}
const obs = (statuses: Record<string, ObservedStatus> = {}, frozen?: string): Observations => ({
  statuses: new Map(Object.entries(statuses)),
  ...(frozen === undefined ? {} : { freeze: { actor: 'ops', at: iso(T0), reason: frozen } }),
});
const all = (names: string[], s: ObservedStatus): Record<string, ObservedStatus> => Object.fromEntries(names.map((n) => [n, s]));

/** Every returned state is a valid rollout document. */
function valid(t: Transition): Transition {
  rolloutSchema.parse(t.state);
  return t;
}
const start = (r: Release, o: Observations = obs(), now = T0): Transition => valid(startRollout(r, o, now));
const step = (s: Rollout, o: Observations, now: number): Transition => valid(stepRollout(s, o, now));
const command = (s: Rollout, c: RolloutCommand, now: number): Transition => valid(applyRolloutCommand(s, c, now));

/** What the hub's controller does after writing the moves: records the pointer generation each move wrote. */
function recordGenerations(state: Rollout, generation = 1): Rollout {
  const next = structuredClone(state);
  for (const c of Object.values(next.clusters)) if (c.state === 'moved' || c.state === 'reverted') c.generation ??= generation;
  return next;
}
const moved = (t: Transition): string[] => t.moves.filter((m) => m.reason === 'wave').map((m) => m.cluster);
const actions = (t: Transition): string[] => t.audit.map((a) => a.action);
const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const clustersIn = (ringIndex: number, list: string[], over: Partial<ClusterSpec> = {}): Record<string, ClusterSpec> =>
  Object.fromEntries(list.map((n) => [n, { ring: ringIndex, ...over }]));

describe('startRollout', () => {
  it('marks unchanged and refused clusters, opens ring 0 and its first wave in the same transition', () => {
    const r = release([ring('r0'), ring('r1')], {
      a: { ring: 0 },
      b: { ring: 0 },
      same: { ring: 0, from: NEW },
      guarded: { ring: 0, refused: true },
      later: { ring: 1 },
    });
    const t = start(r);
    expect(t.changed).toBe(true);
    expect(t.state.version).toBe(1);
    expect(t.state.clusters['same']?.state).toBe('unchanged');
    expect(t.state.clusters['guarded']?.state).toBe('refused');
    expect(t.state.clusters['later']?.state).toBe('pending');
    expect(t.moves).toEqual([
      { cluster: 'a', digest: NEW, reason: 'wave' },
      { cluster: 'b', digest: NEW, reason: 'wave' },
    ]);
    expect(t.state.rings.map((x) => x.phase)).toEqual(['Progressing', 'Pending']);
    expect(t.state.rings[0]?.openedAt).toBe(iso(T0));
    expect(actions(t)).toEqual(['rollout.started', 'ring.phase', 'wave.opened']);
    expect(t.audit[2]).toMatchObject({ actor: 'hub', subject: `rollout/${r.id}/ring/r0`, data: { ring: 'r0', wave: 1, clusters: 2 } });
  });

  it.each([
    { maxConcurrent: { kind: 'count', value: 2 }, n: 5, unchanged: 0, wave: 2 },
    { maxConcurrent: { kind: 'count', value: 10 }, n: 3, unchanged: 0, wave: 3 },
    { maxConcurrent: { kind: 'percent', value: 10 }, n: 5, unchanged: 0, wave: 1 },
    { maxConcurrent: { kind: 'percent', value: 50 }, n: 5, unchanged: 0, wave: 3 },
    { maxConcurrent: { kind: 'percent', value: 50 }, n: 4, unchanged: 4, wave: 2 },
    { maxConcurrent: { kind: 'percent', value: 100 }, n: 7, unchanged: 0, wave: 7 },
  ] as const)('wave 1 of $maxConcurrent.value ($maxConcurrent.kind) over $n changing clusters moves $wave, by name', ({ maxConcurrent, n, unchanged, wave }) => {
    const list = names('c', n);
    const r = release([ring('r0', { maxConcurrent })], { ...clustersIn(0, list), ...clustersIn(0, names('u', unchanged), { from: NEW }) });
    const t = start(r);
    expect(moved(t)).toEqual(list.sort().slice(0, wave));
    expect(Object.values(t.state.clusters).filter((c) => c.wave === 1)).toHaveLength(wave);
  });
});

describe('waves and verdicts', () => {
  it('opens the next wave in the step that sees the last cluster of the current one applied', () => {
    const r = release([ring('r0', { maxConcurrent: { kind: 'count', value: 2 } })], clustersIn(0, ['a', 'b', 'c']));
    const s1 = recordGenerations(start(r).state);
    const partly = step(s1, obs({ a: status('Applied') }), T0 + MIN);
    expect(partly.moves).toEqual([]);
    expect(partly.state.clusters['a']?.state).toBe('applied');
    const t = step(partly.state, obs({ a: status('Applied'), b: status('Applied') }), T0 + 2 * MIN);
    expect(moved(t)).toEqual(['c']);
    expect(t.state.clusters['c']).toMatchObject({ state: 'moved', wave: 2, movedAt: iso(T0 + 2 * MIN) });
    expect(t.state.rings[0]?.wavesOpened).toBe(2);
    expect(t.state.version).toBe(partly.state.version + 1);
  });

  const moving = { ring: 0, to: NEW, statefulChanged: false, state: 'moved', movedAt: iso(T0), generation: 2 } as const;
  const plan = ring('r0');
  it.each([
    { why: 'Applied for the new bundle', c: moving, s: status('Applied', 2), want: { state: 'applied' } },
    { why: 'Applied at a later generation', c: moving, s: status('Applied', 3), want: { state: 'applied' } },
    { why: 'Applied with the generation unknown yet', c: { ...moving, generation: undefined }, s: status('Applied', 1), want: { state: 'applied' } },
    { why: 'Applied for the old bundle', c: moving, s: status('Applied', 2, { appliedBundle: OLD }), want: undefined },
    { why: 'Applied at an older generation', c: moving, s: status('Applied', 1), want: undefined },
    { why: 'Progressing', c: moving, s: status('Progressing', 2), want: undefined },
    { why: 'Stale', c: moving, s: status('Stale', 2), want: undefined },
    { why: 'Degraded at an older generation', c: moving, s: status('Degraded', 1, { lastError: 'x' }), want: undefined },
    { why: 'Degraded with the generation unknown', c: { ...moving, generation: undefined }, s: status('Degraded', 5), want: undefined },
    { why: 'Degraded', c: moving, s: status('Degraded', 2, { lastError: 'CrashLoopBackOff' }), want: { state: 'failed', reason: 'Degraded: CrashLoopBackOff' } },
    { why: 'Failed', c: moving, s: status('Failed', 2, { lastError: 'apply failed' }), want: { state: 'failed', reason: 'Failed: apply failed' } },
    { why: 'applied, then Degraded', c: { ...moving, state: 'applied' }, s: status('Degraded', 2, { lastError: 'OOM' }), want: { state: 'failed', reason: 'Degraded: OOM' } },
    { why: 'no report just before the deadline', c: moving, s: undefined, now: T0 + 10 * MIN - 1, want: undefined },
    { why: 'no report at the deadline', c: moving, s: undefined, now: T0 + 10 * MIN, want: { state: 'failed', reason: 'no Applied report within 10m' } },
    { why: 'only Progressing at the deadline', c: moving, s: status('Progressing', 2), now: T0 + 10 * MIN, want: { state: 'failed', reason: 'no Applied report within 10m' } },
    { why: 'an applied cluster past the deadline', c: { ...moving, state: 'applied' }, s: status('Applied', 2), now: T0 + 60 * MIN, want: undefined },
    { why: 'a pending cluster', c: { ...moving, state: 'pending' }, s: status('Degraded', 2), want: undefined },
  ])('verdict: $why', ({ c, s, now, want }) => {
    const cluster = (c.generation === undefined ? (({ generation: _g, ...rest }) => rest)(c) : c) as ClusterRollout;
    expect(verdictOf(cluster, s, plan, now ?? T0 + MIN)).toEqual(want);
  });

  it('gives no verdict, and changes nothing, for stale or older-generation statuses', () => {
    const s1 = recordGenerations(start(release([ring('r0')], clustersIn(0, ['a', 'b']))).state, 4);
    const t = step(s1, obs({ a: status('Stale', 4), b: status('Degraded', 3, { lastError: 'old' }) }), T0 + MIN);
    expect(t.changed).toBe(false);
    expect(t.state).toBe(s1);
  });
});

describe('failure budget', () => {
  const budgets = [
    { maxFailures: { kind: 'count', value: 1 }, failing: 1, halts: false },
    { maxFailures: { kind: 'count', value: 1 }, failing: 2, halts: true },
    { maxFailures: { kind: 'count', value: 0 }, failing: 1, halts: true },
    { maxFailures: { kind: 'percent', value: 20 }, failing: 2, halts: false },
    { maxFailures: { kind: 'percent', value: 20 }, failing: 3, halts: true },
    { maxFailures: { kind: 'percent', value: 5 }, failing: 1, halts: true },
  ] as const;
  it.each(budgets)('$failing failed of 10 with maxFailures $maxFailures.value ($maxFailures.kind): halts $halts', ({ maxFailures, failing, halts }) => {
    const list = names('c', 10);
    const r = release([ring('r0', { maxFailures }), ring('r1')], { ...clustersIn(0, list), z: { ring: 1 } });
    const s1 = recordGenerations(start(r).state);
    const statuses = Object.fromEntries(list.map((n, i) => [n, i < failing ? status('Degraded', 1, { lastError: 'boom' }) : status('Applied')]));
    const t = step(s1, obs(statuses), T0 + MIN);
    if (!halts) {
      expect(t.state.rings.map((x) => x.phase)).toEqual(['Succeeded', 'Progressing']);
      expect(moved(t)).toEqual(['z']);
      return;
    }
    expect(t.state.phase).toBe('Halted');
    expect(t.state.rings[0]).toMatchObject({ phase: 'Failed', finishedAt: iso(T0 + MIN) });
    expect(t.state.halt).toMatchObject({ actor: 'hub', automatic: true, ring: 'r0' });
    expect(t.state.halt?.reason).toContain('c0 (Degraded: boom)');
    expect(t.state.rings[0]?.gates.find((g) => g.gate === 'health')).toMatchObject({ state: 'failed' });
    expect(actions(t)).toEqual(['ring.phase', 'rollout.halted']);
    expect(t.moves).toEqual([]);
  });

  it('names the first 5 failed clusters in the gate and says how many more', () => {
    const list = names('c', 7);
    const s1 = recordGenerations(start(release([ring('r0')], clustersIn(0, list))).state);
    const t = step(s1, obs(all(list, status('Failed', 1, { lastError: 'x' }))), T0 + MIN);
    const reason = t.state.rings[0]?.gates.find((g) => g.gate === 'health')?.reason ?? '';
    expect(reason).toContain('7 of 7 clusters failed, more than maxFailures 0');
    expect(reason).toContain('c4 (Failed: x) and 2 more');
    expect(reason).not.toContain('c5');
  });

  it('counts a missed progress deadline as a failure and halts in the step that sees it', () => {
    const s1 = start(release([ring('r0', { progressDeadlineMs: 5 * MIN })], clustersIn(0, ['a']))).state;
    expect(step(s1, obs(), T0 + 5 * MIN - 1).changed).toBe(false);
    const t = step(s1, obs(), T0 + 5 * MIN);
    expect(t.state.phase).toBe('Halted');
    expect(t.state.clusters['a']).toMatchObject({ state: 'failed', reason: 'no Applied report within 5m' });
  });
});

describe('soak', () => {
  it('soak 0: the ring succeeds in the step its last wave is applied, and the next ring opens in it', () => {
    const s1 = recordGenerations(start(release([ring('r0'), ring('r1')], { a: { ring: 0 }, b: { ring: 1 } })).state);
    const t = step(s1, obs({ a: status('Applied') }), T0 + MIN);
    expect(t.state.rings.map((x) => x.phase)).toEqual(['Succeeded', 'Progressing']);
    expect(moved(t)).toEqual(['b']);
    expect(t.audit.filter((a) => a.action === 'ring.phase').map((a) => a.data['to'])).toEqual(['Soaking', 'Succeeded', 'Progressing']);
  });

  const soaking = () => {
    const s1 = recordGenerations(start(release([ring('r0', { soakMs: 10 * MIN }), ring('r1')], { a: { ring: 0 }, b: { ring: 1 } })).state);
    return step(s1, obs({ a: status('Applied') }), T0 + MIN);
  };

  it('soak > 0: Soaking until soakMs have passed, then Succeeded and the next ring opens', () => {
    const t = soaking();
    expect(t.state.rings[0]).toMatchObject({ phase: 'Soaking', soakingSince: iso(T0 + MIN) });
    expect(t.moves).toEqual([]);
    const early = step(t.state, obs({ a: status('Applied') }), T0 + 11 * MIN - 1);
    expect(early.changed).toBe(false);
    const done = step(t.state, obs({ a: status('Applied') }), T0 + 11 * MIN);
    expect(done.state.rings.map((x) => x.phase)).toEqual(['Succeeded', 'Progressing']);
    expect(done.state.rings[0]?.gates.find((g) => g.gate === 'soak')).toMatchObject({ state: 'passed', since: iso(T0 + 11 * MIN) });
    expect(moved(done)).toEqual(['b']);
  });

  it('a failure during the soak fails the ring and halts', () => {
    const t = step(soaking().state, obs({ a: status('Degraded', 1, { lastError: 'OOMKilled' }) }), T0 + 5 * MIN);
    expect(t.state.rings[0]?.phase).toBe('Failed');
    expect(t.state.rings[0]?.gates.find((g) => g.gate === 'soak')?.state).toBe('failed');
    expect(t.state.phase).toBe('Halted');
    expect(t.moves).toEqual([]);
  });
});

describe('approvals', () => {
  it.each([
    { why: 'approval: required on ring 1', plan: {}, approvalRing: 1 },
    { why: "continuous-delivery's last ring", plan: { mode: 'continuous-delivery' as const }, approvalRing: 1 },
  ])('$why: AwaitingApproval after the earlier rings, and the approval opens it', ({ plan, approvalRing }) => {
    const rings = [ring('r0'), ring('r1', { approval: approvalRing === 1 })];
    const s1 = recordGenerations(start(release(rings, { a: { ring: 0 }, b: { ring: 1 } }, plan)).state);
    const waiting = step(s1, obs({ a: status('Applied') }), T0 + MIN);
    expect(waiting.state.phase).toBe('AwaitingApproval');
    expect(waiting.state.rings[1]?.phase).toBe('AwaitingApproval');
    expect(waiting.moves).toEqual([]);
    expect(step(waiting.state, obs({ a: status('Applied') }), T0 + 2 * MIN).changed).toBe(false);
    const approved = command(waiting.state, { kind: 'approve', ring: 'r1', actor: 'alice', reason: 'metrics fine' }, T0 + 3 * MIN);
    expect(approved.state.rings[1]?.approval).toEqual({ actor: 'alice', at: iso(T0 + 3 * MIN), reason: 'metrics fine' });
    expect(approved.audit).toEqual([
      { actor: 'alice', action: 'rollout.approved', subject: `rollout/${s1.id}/ring/r1`, reason: 'metrics fine', data: { ring: 'r1', phase: 'AwaitingApproval' } },
    ]);
    expect(approved.moves).toEqual([]);
    const opened = step(approved.state, obs({ a: status('Applied') }), T0 + 4 * MIN);
    expect(opened.state.phase).toBe('Progressing');
    expect(moved(opened)).toEqual(['b']);
  });

  it('records a pre-approval, and the ring then opens without waiting', () => {
    const rings = [ring('r0'), ring('r1', { approval: true })];
    const s1 = recordGenerations(start(release(rings, { a: { ring: 0 }, b: { ring: 1 } })).state);
    const pre = command(s1, { kind: 'approve', ring: 'r1', actor: 'bob', reason: 'planned' }, T0 + MIN);
    expect(pre.state.rings[1]).toMatchObject({ phase: 'Pending', approval: { actor: 'bob' } });
    const t = step(pre.state, obs({ a: status('Applied') }), T0 + 2 * MIN);
    expect(t.state.rings[1]?.phase).toBe('Progressing');
    expect(moved(t)).toEqual(['b']);
  });
});

describe('freeze', () => {
  it('moves nothing while frozen, says so in the gate, and opens at the first step after unfreeze', () => {
    const r = release([ring('r0')], { a: { ring: 0 } });
    const frozen = start(r, obs({}, 'incident 42'));
    expect(frozen.moves).toEqual([]);
    expect(frozen.state.rings[0]?.gates.find((g) => g.gate === 'health')?.reason).toBe('frozen by ops: incident 42');
    expect(step(frozen.state, obs({}, 'incident 42'), T0 + MIN).changed).toBe(false);
    const thawed = step(frozen.state, obs(), T0 + 2 * MIN);
    expect(moved(thawed)).toEqual(['a']);
  });

  it('still records verdicts and halts while frozen, and defers the next wave', () => {
    const r = release([ring('r0', { maxConcurrent: { kind: 'count', value: 1 } })], clustersIn(0, ['a', 'b', 'c']));
    const s1 = recordGenerations(start(r).state);
    const held = step(s1, obs({ a: status('Applied') }, 'incident'), T0 + MIN);
    expect(held.state.clusters['a']?.state).toBe('applied');
    expect(held.moves).toEqual([]);
    const s2 = recordGenerations(step(held.state, obs({ a: status('Applied') }), T0 + 2 * MIN).state);
    expect(s2.clusters['b']?.state).toBe('moved');
    const halted = step(s2, obs({ a: status('Applied'), b: status('Degraded', 1) }, 'incident'), T0 + 3 * MIN);
    expect(halted.state.phase).toBe('Halted');
    expect(halted.moves).toEqual([]);
  });

  it('defers a revert until unfreeze', () => {
    const r = release([ring('r0')], { a: { ring: 0 } }, { onFailure: 'revert' });
    const s1 = recordGenerations(start(r).state);
    const failed = step(s1, obs({ a: status('Failed', 1) }, 'incident'), T0 + MIN);
    expect(failed.state.rings[0]).toMatchObject({ phase: 'Failed' });
    expect(failed.moves).toEqual([]);
    const reverted = step(failed.state, obs({ a: status('Failed', 1) }), T0 + 2 * MIN);
    expect(reverted.moves).toEqual([{ cluster: 'a', digest: OLD, reason: 'revert' }]);
  });

  it('shows an approved ring held by the freeze as Pending (not AwaitingApproval), the rollout Progressing', () => {
    const rings = [ring('r0'), ring('r1', { approval: true })];
    const s1 = recordGenerations(start(release(rings, { a: { ring: 0 }, b: { ring: 1 } })).state);
    const waiting = step(s1, obs({ a: status('Applied') }), T0 + MIN);
    expect([waiting.state.phase, waiting.state.rings[1]?.phase]).toEqual(['AwaitingApproval', 'AwaitingApproval']);
    const approved = command(waiting.state, { kind: 'approve', ring: 'r1', actor: 'alice', reason: 'ok' }, T0 + 2 * MIN);
    const held = step(approved.state, obs({ a: status('Applied') }, 'incident 42'), T0 + 3 * MIN);
    expect(held.moves).toEqual([]);
    expect([held.state.phase, held.state.rings[1]?.phase]).toEqual(['Progressing', 'Pending']);
    expect(held.state.rings[1]?.gates.find((g) => g.gate === 'health')?.reason).toBe('frozen by ops: incident 42');
    const thawed = step(held.state, obs({ a: status('Applied') }), T0 + 4 * MIN);
    expect(moved(thawed)).toEqual(['b']);
  });

  it('an unapproved ring stays AwaitingApproval while frozen: the approval is really missing', () => {
    const rings = [ring('r0'), ring('r1', { approval: true })];
    const s1 = recordGenerations(start(release(rings, { a: { ring: 0 }, b: { ring: 1 } })).state);
    const waiting = step(s1, obs({ a: status('Applied') }, 'incident 42'), T0 + MIN);
    expect([waiting.state.phase, waiting.state.rings[1]?.phase]).toEqual(['AwaitingApproval', 'AwaitingApproval']);
  });

  it('refuses resume while a revert is due (failed while frozen), so the revert is not lost; it runs after unfreeze', () => {
    const r = release([ring('r0')], { a: { ring: 0 } }, { onFailure: 'revert' });
    const s1 = recordGenerations(start(r).state);
    const failed = step(s1, obs({ a: status('Failed', 1) }, 'incident'), T0 + MIN);
    let refusal: unknown;
    try {
      command(failed.state, { kind: 'resume', actor: 'bob', reason: 'looks fine' }, T0 + 2 * MIN);
    } catch (err) {
      refusal = err;
    }
    expect(isDriftlessError(refusal, 'RolloutCommandRefused') && refusal.message).toMatch(/ring r0 failed and its revert has not run yet/);
    const reverted = step(failed.state, obs({ a: status('Failed', 1) }), T0 + 3 * MIN);
    expect(reverted.moves).toEqual([{ cluster: 'a', digest: OLD, reason: 'revert' }]);
    expect(command(recordGenerations(reverted.state, 2), { kind: 'resume', actor: 'bob', reason: 'fixed' }, T0 + 4 * MIN).state.phase).toBe('Progressing');
  });
});

describe('revert', () => {
  it('moves stateless clusters with a from back; keeps stateful-changed and new ones; only once', () => {
    const r = release(
      [ring('r0', { maxConcurrent: { kind: 'count', value: 4 } })],
      { a: { ring: 0 }, b: { ring: 0 }, c: { ring: 0, statefulChanged: true }, d: { ring: 0, from: undefined }, e: { ring: 0 } },
      { onFailure: 'revert' },
    );
    const s1 = recordGenerations(start(r).state);
    const t = step(s1, obs({ a: status('Applied'), b: status('Degraded', 1, { lastError: 'boom' }) }), T0 + MIN);
    expect(t.moves).toEqual([
      { cluster: 'a', digest: OLD, reason: 'revert' },
      { cluster: 'b', digest: OLD, reason: 'revert' },
    ]);
    expect(Object.fromEntries(Object.entries(t.state.clusters).map(([n, c]) => [n, c.state]))).toEqual({ a: 'reverted', b: 'reverted', c: 'moved', d: 'moved', e: 'pending' });
    expect(t.state.rings[0]?.reverted).toBe(true);
    expect(t.audit.find((a) => a.action === 'rollout.reverted')?.data).toEqual({ ring: 'r0', clusters: 2, keptStateful: 1, keptNew: 1 });
    expect(actions(t)).toEqual(['ring.phase', 'rollout.halted', 'rollout.reverted']);
    expect(step(t.state, obs({ c: status('Failed', 1) }), T0 + 2 * MIN).moves).toEqual([]);
  });
});

describe('halt and resume', () => {
  it('halt by hand stops every move; verdicts are still recorded; resume lets the next wave open', () => {
    const r = release([ring('r0', { maxConcurrent: { kind: 'count', value: 1 } })], clustersIn(0, ['a', 'b']));
    const s1 = recordGenerations(start(r).state);
    const h = command(s1, { kind: 'halt', actor: 'carol', reason: 'looks odd' }, T0 + MIN);
    expect(h.state.halt).toEqual({ actor: 'carol', at: iso(T0 + MIN), reason: 'looks odd', automatic: false });
    expect(actions(h)).toEqual(['rollout.halted']);
    const held = step(h.state, obs({ a: status('Applied') }), T0 + 2 * MIN);
    expect(held.state.clusters['a']?.state).toBe('applied');
    expect(held.moves).toEqual([]);
    const resumed = command(held.state, { kind: 'resume', actor: 'carol', reason: 'fine' }, T0 + 3 * MIN);
    expect(resumed.state.phase).toBe('Progressing');
    expect(resumed.state.halt).toBeUndefined();
    expect(moved(step(resumed.state, obs({ a: status('Applied') }), T0 + 4 * MIN))).toEqual(['b']);
  });

  it('resume excuses failed clusters and makes reverted ones pending, which the next wave moves again', () => {
    const r = release([ring('r0')], { a: { ring: 0 }, b: { ring: 0 } }, { onFailure: 'revert' });
    const s1 = recordGenerations(start(r).state);
    const failed = step(s1, obs({ a: status('Applied'), b: status('Degraded', 1) }), T0 + MIN);
    expect(failed.state.clusters['a']?.state).toBe('reverted');
    expect(failed.state.clusters['b']?.state).toBe('reverted');
    const s2 = structuredClone(failed.state);
    if (s2.clusters['b'] !== undefined) s2.clusters['b'].state = 'failed'; // as if it had been kept (stateful)
    const resumed = command(s2, { kind: 'resume', actor: 'dan', reason: 'fixed upstream' }, T0 + 2 * MIN);
    expect(resumed.state.clusters['a']?.state).toBe('pending');
    expect(resumed.state.clusters['b']?.state).toBe('excused');
    expect(resumed.state.rings[0]).toMatchObject({ phase: 'Progressing' });
    expect(resumed.state.rings[0]?.finishedAt).toBeUndefined();
    expect(resumed.audit.find((a) => a.action === 'rollout.resumed')).toMatchObject({ actor: 'dan', data: { excused: 1, pending: 1, ring: 'r0' } });
    const again = step(resumed.state, obs(), T0 + 3 * MIN);
    expect(moved(again)).toEqual(['a']);
    expect(again.state.clusters['a']?.wave).toBe(2);
  });
});

describe('refused commands', () => {
  const rings = [ring('r0'), ring('r1', { approval: true })];
  const running = start(release(rings, { a: { ring: 0 }, b: { ring: 1 } })).state;
  const halted = applyRolloutCommand(running, { kind: 'halt', actor: 'x', reason: 'y' }, T0).state;
  const approved = applyRolloutCommand(running, { kind: 'approve', ring: 'r1', actor: 'x', reason: 'y' }, T0).state;
  const completed = { ...running, phase: 'Completed' as const };
  const superseded = supersedeRollout(running, 'other', T0).state;
  it.each([
    { why: 'approve an unknown ring', s: running, c: { kind: 'approve', ring: 'nope' }, says: 'no ring named nope (rings: r0, r1)' },
    { why: 'approve a ring without approval', s: running, c: { kind: 'approve', ring: 'r0' }, says: 'ring r0 needs no approval' },
    { why: 'approve twice', s: approved, c: { kind: 'approve', ring: 'r1' }, says: 'ring r1 is already approved by x' },
    { why: 'halt a halted rollout', s: halted, c: { kind: 'halt' }, says: 'it is already halted (by x: y)' },
    { why: 'resume a running rollout', s: running, c: { kind: 'resume' }, says: 'it is not halted (phase Progressing)' },
    { why: 'halt a completed rollout', s: completed, c: { kind: 'halt' }, says: 'the rollout is Completed' },
    { why: 'approve on a superseded rollout', s: superseded, c: { kind: 'approve', ring: 'r1' }, says: 'the rollout is Superseded' },
  ] as const)('$why', ({ s, c, says }) => {
    const cmd = { actor: 'eve', reason: 'because', ...c } as RolloutCommand;
    let caught: unknown;
    try {
      applyRolloutCommand(s, cmd, T0);
    } catch (err) {
      caught = err;
    }
    expect(isDriftlessError(caught, 'RolloutCommandRefused')).toBe(true);
    expect(String((caught as Error).message)).toContain(`rollout ${s.id} ${c.kind} failed: ${says}`);
  });

  it('refuses approving a ring that already opened', () => {
    const s = recordGenerations(start(release([ring('r0', { approval: true })], { a: { ring: 0 } })).state);
    const opened = step(command(s, { kind: 'approve', ring: 'r0', actor: 'x', reason: 'y' }, T0).state, obs(), T0 + 1);
    expect(() => applyRolloutCommand(opened.state, { kind: 'approve', ring: 'r0', actor: 'x', reason: 'y' }, T0 + 2)).toThrow(/ring r0 is already/);
  });
});

describe('finished rollouts, empty rings, completion', () => {
  it('supersede marks a running rollout; finished rollouts change no more', () => {
    const s = start(release([ring('r0')], { a: { ring: 0 } })).state;
    const sup = valid(supersedeRollout(s, 'newer', T0 + MIN));
    expect(sup.state).toMatchObject({ phase: 'Superseded', supersededBy: 'newer', version: 2 });
    expect(actions(sup)).toEqual(['rollout.superseded']);
    expect(sup.moves).toEqual([]);
    for (const done of [sup.state, { ...s, phase: 'Completed' as const }]) {
      const t = stepRollout(done, obs({ a: status('Degraded', 1) }), T0 + 99 * MIN);
      expect(t).toEqual({ state: done, moves: [], audit: [], changed: false });
      expect(supersedeRollout(done, 'x', T0).changed).toBe(false);
    }
  });

  it('a ring with nothing to move (none, or only unchanged and refused) succeeds at once, approval or not', () => {
    const rings = [ring('empty'), ring('same', { approval: true }), ring('last')];
    const t = start(release(rings, { u: { ring: 1, from: NEW }, g: { ring: 1, refused: true }, x: { ring: 2 } }));
    expect(t.state.rings.map((r) => r.phase)).toEqual(['Succeeded', 'Succeeded', 'Progressing']);
    expect(moved(t)).toEqual(['x']);
  });

  it('completes when the last ring succeeds, with an audit entry', () => {
    const s1 = recordGenerations(start(release([ring('r0')], { a: { ring: 0 }, u: { ring: 0, from: NEW } })).state);
    const t = step(s1, obs({ a: status('Applied') }), T0 + MIN);
    expect(t.state.phase).toBe('Completed');
    expect(t.audit.at(-1)).toEqual({ actor: 'hub', action: 'rollout.completed', subject: `rollout/${s1.id}`, reason: 'every ring succeeded', data: { rings: 1, applied: 1, clusters: 2 } });
    expect(summarizeRollout(t.state)).toEqual([
      expect.objectContaining({ ring: 'r0', phase: 'Succeeded', total: 2, counts: { pending: 0, moved: 0, applied: 1, failed: 0, excused: 0, reverted: 0, unchanged: 1, refused: 0 } }),
    ]);
  });

  it('a step that learns nothing returns the same object, unchanged version', () => {
    const s = start(release([ring('r0')], { a: { ring: 0 } })).state;
    const t = step(s, obs({ a: status('Progressing', 1) }), T0 + MIN);
    expect(t.changed).toBe(false);
    expect(t.state).toBe(s);
  });
});

describe('summarizeRollout', () => {
  it('counts the clusters of each ring by state', () => {
    const r = release([ring('r0', { maxConcurrent: { kind: 'count', value: 1 } }), ring('r1')], {
      a: { ring: 0 },
      b: { ring: 0 },
      c: { ring: 0, refused: true },
      d: { ring: 1 },
    });
    const [r0, r1] = summarizeRollout(start(r).state);
    expect(r0).toMatchObject({ ring: 'r0', phase: 'Progressing', total: 3, counts: { moved: 1, pending: 1, refused: 1, applied: 0 } });
    expect(r1).toMatchObject({ ring: 'r1', phase: 'Pending', total: 1, counts: { pending: 1 } });
  });
});
