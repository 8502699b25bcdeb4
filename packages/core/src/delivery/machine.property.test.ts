import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../digest.js';
import { isDriftlessError } from '../errors.js';
import { applyRolloutCommand, metricQueries, startRollout, stepRollout } from './index.js';
import type { MetricReading, Observations, ObservedStatus, Release, ReleaseCluster, RolloutCommand, Transition } from './machine-types.js';
import type { Amount, DeliveryPlan, RingPlan } from './plan.js';
import { rolloutId, rolloutSchema, type Rollout } from './rollout-document.js';

/*
 * Random plans, fleets and histories (statuses, freezes, commands, time)
 * driven through the machine the way the hub's controller drives it:
 * moves are applied to simulated pointers and the generation they wrote is
 * recorded in the rollout. Properties are checked after every transition.
 */

const digest = (n: number): Digest => `sha256:${n.toString(16).padStart(64, '0')}`;
const REV = 'b'.repeat(40);
const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const MIN = 60_000;

const amount = (maxCount: number, minPercent: number): fc.Arbitrary<Amount> =>
  fc.oneof(
    fc.integer({ min: 0, max: maxCount }).map((value) => ({ kind: 'count' as const, value })),
    fc.integer({ min: minPercent, max: 100 }).map((value) => ({ kind: 'percent' as const, value })),
  );

const ringPlan = (i: number): fc.Arbitrary<RingPlan> =>
  fc.record({
    name: fc.constant(`ring-${i}`),
    soakMs: fc.constantFrom(0, 0, MIN, 3 * MIN),
    maxConcurrent: amount(5, 10).map((a) => (a.kind === 'count' && a.value === 0 ? { kind: 'count' as const, value: 1 } : a)),
    maxFailures: amount(2, 0).map((a) => (a.kind === 'percent' ? { kind: 'percent' as const, value: a.value % 51 } : a)),
    progressDeadlineMs: fc.constantFrom(2 * MIN, 5 * MIN, 10 * MIN),
    approval: fc.boolean(),
    checks: fc.constant([]),
  });

const planArb: fc.Arbitrary<DeliveryPlan> = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    mode: fc.constantFrom('continuous-delivery' as const, 'continuous-deployment' as const),
    onFailure: fc.constantFrom('halt' as const, 'revert' as const),
    rings: fc.tuple(...Array.from({ length: n }, (_, i) => ringPlan(i))),
    checks: fc.constant([]),
  }),
);

/** A cluster: a `ring` label (the ring is the first whose selector matches it), its bundles and flags. */
const clusterArb = fc.record({
  label: fc.integer({ min: 0, max: 5 }),
  from: fc.option(fc.integer({ min: 2, max: 4 }), { nil: undefined }),
  unchanged: fc.boolean(),
  refused: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  statefulChanged: fc.boolean(),
});

const STATUS_KINDS = ['none', 'applied', 'applied', 'applied', 'applied-old-bundle', 'degraded', 'failed', 'progressing', 'stale', 'degraded-old-gen'] as const;
type StatusKind = (typeof STATUS_KINDS)[number];

const eventArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('observe' as const), statuses: fc.array(fc.constantFrom(...STATUS_KINDS), { minLength: 40, maxLength: 40 }), frozen: fc.integer({ min: 0, max: 4 }).map((n) => n === 0), advanceMs: fc.constantFrom(0, 30_000, MIN, 5 * MIN, 11 * MIN) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('approve' as const), ring: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('halt' as const, 'resume' as const) }) },
);

const scenarioArb = fc.record({
  plan: planArb,
  clusters: fc.array(clusterArb, { maxLength: 40 }),
  startFrozen: fc.boolean(),
  events: fc.array(eventArb, { maxLength: 25 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function releaseOf(s: Scenario): Release {
  const clusters = new Map<string, ReleaseCluster>();
  s.clusters.forEach((c: Scenario['clusters'][number], i: number) => {
    const from = c.from === undefined ? undefined : digest(c.from);
    const to = c.unchanged && from !== undefined ? from : digest(1);
    const entry = { ring: c.label % s.plan.rings.length, to, statefulChanged: c.statefulChanged, refused: c.refused };
    clusters.set(`c${String(i).padStart(2, '0')}`, from === undefined ? entry : { ...entry, from });
  });
  return { id: rolloutId(REV, T0), revision: REV, plan: s.plan, clusters };
}

interface Pointer {
  digest: string;
  generation: number;
}

function statusOf(kind: StatusKind, pointer: Pointer | undefined, nowMs: number): ObservedStatus | undefined {
  if (kind === 'none' || pointer === undefined) return undefined;
  const base = { observedGeneration: pointer.generation, heartbeatAt: new Date(nowMs).toISOString() };
  switch (kind) {
    case 'applied':
      return { ...base, phase: 'Applied', appliedBundle: pointer.digest as Digest };
    case 'applied-old-bundle':
      return { ...base, phase: 'Applied', appliedBundle: digest(9) };
    case 'degraded':
      return { ...base, phase: 'Degraded', lastError: 'CrashLoopBackOff' };
    case 'failed':
      return { ...base, phase: 'Failed', lastError: 'apply failed' };
    case 'progressing':
      return { ...base, phase: 'Progressing' };
    case 'stale':
      return { ...base, phase: 'Stale' };
    case 'degraded-old-gen':
      return { ...base, phase: 'Degraded', observedGeneration: pointer.generation - 1, lastError: 'old' };
  }
}

/** Checks the properties that hold for every single transition. */
function checkTransition(prev: Rollout | undefined, t: Transition, frozen: boolean): void {
  rolloutSchema.parse(t.state);
  if (prev !== undefined) {
    if (t.changed) expect(t.state.version).toBe(prev.version + 1);
    else expect(t.state).toBe(prev);
  }
  const clustersMoved = t.moves.map((m) => m.cluster);
  expect(new Set(clustersMoved).size).toBe(clustersMoved.length);
  if (frozen) expect(t.moves).toEqual([]); // (4) nothing moves while frozen, not even a revert
  const halted = prev?.phase === 'Halted' || t.state.phase === 'Halted';
  for (const move of t.moves) {
    const cluster = t.state.clusters[move.cluster];
    if (cluster === undefined) throw new Error(`move for unknown cluster ${move.cluster}`);
    if (move.reason === 'revert') {
      expect(cluster.statefulChanged).toBe(false); // (5)
      expect(move.digest).toBe(cluster.from);
      continue;
    }
    expect(halted).toBe(false); // (4) only reverts while halted
    expect(move.digest).toBe(cluster.to);
    // (1) every earlier ring has passed, and this ring's approval is recorded when it needs one
    for (let k = 0; k < cluster.ring; k += 1) expect(t.state.rings[k]?.phase).toBe('Succeeded');
    if (t.state.plan.rings[cluster.ring]?.approval === true) expect(t.state.rings[cluster.ring]?.approval).toBeDefined();
  }
}

/**
 * (2) Across the trace, the generation recorded for a cluster never goes
 * down while it stays recorded, and every verdict the step reached (a cluster
 * newly applied or failed on a status) rests on a status about the recorded
 * generation or a later one, never on an older pointer's report.
 */
function checkGenerations(prev: Rollout, next: Rollout, statuses: ReadonlyMap<string, ObservedStatus>, nowMs: number): void {
  const at = new Date(nowMs).toISOString();
  for (const [name, before] of Object.entries(prev.clusters)) {
    const after = next.clusters[name];
    if (after === undefined) throw new Error(`cluster ${name} disappeared`);
    if (before.generation !== undefined && after.generation !== undefined) expect(after.generation, `${name} generation`).toBeGreaterThanOrEqual(before.generation);
    const verdict = (after.state === 'applied' || after.state === 'failed') && after.settledAt === at && after.state !== before.state;
    if (!verdict || after.reason?.startsWith('no Applied report within') === true) continue;
    const status = statuses.get(name);
    expect(status, `${name}: a verdict without a status`).toBeDefined();
    if (before.generation !== undefined) expect(status?.observedGeneration ?? -1, `${name}: verdict on an older generation`).toBeGreaterThanOrEqual(before.generation);
  }
}

/** The check readings a step sees: one per query `metricQueries` lists (as the controller reads them), by check and subject. */
type Readings = (subject: string, nowMs: number, draw: number) => MetricReading;

function metricsOf(state: Rollout, readings: Readings, nowMs: number, draws: readonly number[]): Map<string, Map<string, MetricReading>> {
  const out = new Map<string, Map<string, MetricReading>>();
  metricQueries(state).forEach((q, i) => {
    const byCheck = out.get(q.check) ?? new Map<string, MetricReading>();
    byCheck.set(q.subject, readings(q.subject, nowMs, draws[i % draws.length] ?? 0));
    out.set(q.check, byCheck);
  });
  return out;
}

/** Runs a scenario as the controller would (with check readings when `readings` is given); returns the trace of transitions for the determinism check. */
function run(s: Scenario, readings?: Readings): Transition[] {
  const pointers = new Map<string, Pointer>();
  const release = releaseOf(s);
  for (const [name, c] of release.clusters) if (c.from !== undefined) pointers.set(name, { digest: c.from, generation: 1 });
  const freeze = { actor: 'ops', at: new Date(T0).toISOString(), reason: 'incident' };
  const observations = (frozen: boolean, statuses: Map<string, ObservedStatus>, state?: Rollout, draws: readonly number[] = [0]): Observations => {
    const base = frozen ? { statuses, freeze } : { statuses };
    return readings === undefined || state === undefined ? base : { ...base, metrics: metricsOf(state, readings, now, draws) };
  };
  const trace: Transition[] = [];
  let now = T0;
  const apply = (prev: Rollout | undefined, t: Transition, frozen: boolean): Rollout => {
    checkTransition(prev, t, frozen);
    trace.push(t);
    if (t.moves.length === 0) return t.state;
    const next = structuredClone(t.state);
    for (const move of t.moves) {
      const generation = (pointers.get(move.cluster)?.generation ?? 0) + 1;
      pointers.set(move.cluster, { digest: move.digest, generation });
      const c = next.clusters[move.cluster];
      if (c !== undefined) c.generation = generation;
    }
    return { ...next, version: next.version + 1 }; // the controller's second write (pendingMoves cleared)
  };
  let state = apply(undefined, startRollout(release, observations(s.startFrozen, new Map()), now), s.startFrozen);
  for (const event of s.events) {
    if (event.kind === 'observe') {
      now += event.advanceMs;
      const statuses = new Map<string, ObservedStatus>();
      [...release.clusters.keys()].forEach((name, i) => {
        const st = statusOf(event.statuses[i] ?? 'none', pointers.get(name), now);
        if (st !== undefined) statuses.set(name, st);
      });
      const t = stepRollout(state, observations(event.frozen, statuses, state, event.statuses.map((k) => STATUS_KINDS.indexOf(k))), now);
      checkGenerations(state, t.state, statuses, now);
      state = apply(state, t, event.frozen);
      continue;
    }
    const ring = event.kind === 'approve' ? s.plan.rings[event.ring % s.plan.rings.length]?.name : undefined;
    const command: RolloutCommand =
      event.kind === 'approve' ? { kind: 'approve', ring: ring ?? 'none', actor: 'alice', reason: 'ok' } : { kind: event.kind, actor: 'bob', reason: 'why' };
    try {
      const t = applyRolloutCommand(state, command, now);
      expect(t.moves).toEqual([]);
      state = apply(state, t, false);
    } catch (err) {
      if (!isDriftlessError(err, 'RolloutCommandRefused')) throw err;
    }
  }
  return trace;
}

/** The scenario with one check (`max` 0.5, `for` forMs) on every ring. */
function withCheck(s: Scenario, forMs: number): Scenario {
  const check = { name: 'err', query: 'errors{cluster="${cluster.name}"}', max: 0.5, forMs, aggregate: 'cluster' as const, noData: 'wait' as const };
  return { ...s, plan: { ...s.plan, rings: s.plan.rings.map((r) => ({ ...r, checks: ['err'] })), checks: [check] } };
}

/** Readings always within max 0.5 (0 to 0.5 inclusive). */
const within: Readings = (_subject, _now, draw) => ({ value: (draw % 6) / 10 });

/** Readings that breach (0.9) on odd draws, but never for `forMs` in a row: a breach run is cut short by a value within. */
function blips(forMs: number): Readings {
  const since = new Map<string, number>();
  return (subject, nowMs, draw) => {
    const start = since.get(subject) ?? nowMs;
    if (draw % 2 === 1 && nowMs - start < forMs) {
      since.set(subject, start);
      return { value: 0.9 };
    }
    since.delete(subject);
    return { value: 0.1 };
  };
}

/** No transition of the trace failed a check gate or halted on a check. */
function noCheckFailed(trace: readonly Transition[]): void {
  for (const t of trace) {
    expect(t.audit.filter((a) => a.action === 'rollout.halted' && 'check' in a.data)).toEqual([]);
    for (const ring of t.state.rings) expect(ring.gates.filter((g) => g.gate.startsWith('check:') && g.state === 'failed')).toEqual([]);
  }
}

const forArb = fc.constantFrom(0, 30_000, MIN, 5 * MIN);

describe('rollout state machine properties', () => {
  it('readings always within the threshold never fail a check or halt a rollout by one', () => {
    fc.assert(
      fc.property(scenarioArb, forArb, (s, forMs) => {
        noCheckFailed(run(withCheck(s, forMs), within));
      }),
      { numRuns: 150, seed: 78 },
    );
  }, 60_000);

  it('a breach shorter than for never fails a check', () => {
    fc.assert(
      fc.property(scenarioArb, forArb, (s, forMs) => {
        noCheckFailed(run(withCheck(s, forMs), blips(forMs)));
      }),
      { numRuns: 150, seed: 90 },
    );
  }, 60_000);

  it('gives deep-equal outputs for the same inputs with metric readings', () => {
    fc.assert(
      fc.property(scenarioArb, forArb, (s, forMs) => {
        expect(run(withCheck(s, forMs), blips(forMs))).toEqual(run(withCheck(s, forMs), blips(forMs)));
      }),
      { numRuns: 80, seed: 91 },
    );
  }, 60_000);

  it('never opens a ring early, moves nothing while frozen or halted (but reverts), never reverts stateful changes, versions and generations only increase', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        run(s);
      }),
      { numRuns: 300, seed: 12 },
    );
  }, 60_000);

  it('gives deep-equal outputs for the same inputs', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        expect(run(s)).toEqual(run(s));
      }),
      { numRuns: 100, seed: 34 },
    );
  }, 60_000);

  it('reaches Completed when every cluster applies, approvals are given and nothing fails', () => {
    fc.assert(
      fc.property(planArb, fc.array(clusterArb, { maxLength: 40 }), (plan, clusters) => {
        const s: Scenario = { plan, clusters, startFrozen: false, events: [] };
        // Enough steps for one-cluster waves and every soak.
        for (let i = 0; i < plan.rings.length * 5 + clusters.length + 5; i += 1) {
          s.events.push({ kind: 'approve', ring: i % plan.rings.length });
          s.events.push({ kind: 'observe', statuses: Array.from({ length: 40 }, () => 'applied' as const), frozen: false, advanceMs: MIN });
        }
        expect(run(s).at(-1)?.state.phase ?? 'none').toBe('Completed');
        expect(run(withCheck(s, MIN), within).at(-1)?.state.phase ?? 'none').toBe('Completed');
      }),
      { numRuns: 50, seed: 56 },
    );
  }, 60_000);
});
