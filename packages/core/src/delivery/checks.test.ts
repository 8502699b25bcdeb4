import { describe, expect, it } from 'vitest';
import type { Digest } from '../digest.js';
import { applyRolloutCommand, startRollout, stepRollout, summarizeRollout } from './index.js';
import type { MetricReading, Observations, Release, ReleaseCluster, Transition } from './machine-types.js';
import { RING_DEFAULTS, type CheckPlan, type DeliveryPlan, type RingPlan } from './plan.js';
import { CHECK_HISTORY_KEPT, CHECK_SAMPLES_KEPT, rolloutId, rolloutSchema, type Rollout } from './rollout-document.js';

const digest = (n: number): Digest => `sha256:${n.toString(16).padStart(64, '0')}`;
const NEW = digest(1);
const OLD = digest(2);
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const S = 1000;
const iso = (ms: number): string => new Date(ms).toISOString();

const ERR: CheckPlan = { name: 'err', query: 'rate(errors{cluster="${cluster.name}"}[1m])', max: 0.02, forMs: 5 * S, aggregate: 'cluster', noData: 'wait' };
const ring = (name: string, over: Partial<RingPlan> = {}): RingPlan => ({
  name,
  soakMs: 0,
  maxConcurrent: RING_DEFAULTS.maxConcurrent,
  maxFailures: RING_DEFAULTS.maxFailures,
  progressDeadlineMs: 60 * S,
  approval: false,
  checks: ['err'],
  ...over,
});

function release(rings: RingPlan[], clusters: Record<string, Partial<ReleaseCluster>>, plan: Partial<DeliveryPlan> = {}): Release {
  const map = new Map(Object.entries(clusters).map(([n, c]) => [n, { ring: 0, to: NEW, from: OLD, statefulChanged: false, ...c }]));
  return { id: rolloutId('a'.repeat(40), T0), revision: 'a'.repeat(40), plan: { mode: 'continuous-deployment', onFailure: 'halt', rings, checks: [ERR], ...plan }, clusters: map };
}

/** Every cluster Applied; `values` the readings of check `check` by subject (a number, a reading, or absent: no reading at all). */
function obs(state: Rollout, values: Record<string, number | MetricReading>, check = 'err'): Observations {
  const statuses = new Map(Object.keys(state.clusters).map((n) => [n, { phase: 'Applied' as const, observedGeneration: 1, appliedBundle: NEW, heartbeatAt: iso(T0) }]));
  const readings = new Map(Object.entries(values).map(([s, v]) => [s, typeof v === 'number' ? { value: v } : v]));
  return { statuses, metrics: new Map([[check, readings]]) };
}
const valid = (t: Transition): Transition => {
  rolloutSchema.parse(JSON.parse(JSON.stringify(t.state)));
  return t;
};
const start = (r: Release): Rollout => valid(startRollout(r, { statuses: new Map() }, T0)).state;
const step = (s: Rollout, values: Record<string, number | MetricReading>, at: number, check?: string): Transition => valid(stepRollout(s, obs(s, values, check), T0 + at));
const gate = (s: Rollout, name = 'check:err', i = 0) => s.rings[i]?.gates.find((g) => g.gate === name);
const halted = (t: Transition) => t.audit.find((a) => a.action === 'rollout.halted');

/** Steps through `values` at the given seconds, returning every transition. */
function run(s: Rollout, steps: [number, Record<string, number | MetricReading>][]): Transition[] {
  const out: Transition[] = [];
  for (const [sec, values] of steps) {
    const t = step(out.at(-1)?.state ?? s, values, sec * S);
    out.push(t);
  }
  return out;
}

describe('breach and for', () => {
  const twoWaves = release([ring('r0', { maxConcurrent: { kind: 'count', value: 1 } })], { a: {}, b: {} });

  it('holds the next wave while breaching within for, and halts at the step where now - breachingSince >= for', () => {
    const [first, held, failed] = run(start(twoWaves), [[1, { a: 0.05 }], [5, { a: 0.04 }], [6, { a: 0.031 }]]);
    expect(first?.state.clusters['a']?.state).toBe('applied');
    expect(first?.moves).toEqual([]);
    expect(gate(first!.state)).toMatchObject({ state: 'pending', reason: 'a 0.05 > max 0.02 (halts at 5s)' });
    expect(first?.state.rings[0]?.checks?.[0]?.subjects['a']?.breachingSince).toBe(iso(T0 + S));
    expect(held?.moves).toEqual([]);
    expect(held?.state.phase).toBe('Progressing');
    expect(gate(held!.state)?.reason).toBe('a 0.04 > max 0.02 for 4s (halts at 5s)');
    expect(failed?.state.phase).toBe('Halted');
    expect(failed?.state.rings[0]?.phase).toBe('Failed');
    expect(gate(failed!.state)).toMatchObject({ state: 'failed', reason: 'a 0.031 > max 0.02 for 5s' });
    expect(failed?.state.halt).toMatchObject({ actor: 'hub', ring: 'r0', automatic: true, reason: 'check err failed in ring r0 (for 5s): a 0.031 > max 0.02 for 5s' });
  });

  it('writes the halt audit entry with ring, check, clusters and values, threshold, for, query and the substituted query', () => {
    const r = release([ring('r0')], { a: {}, b: {}, c: {} }, { checks: [{ ...ERR, forMs: 0 }] });
    const t = step(start(r), { a: 0.5, b: 0.01, c: 0.03 }, S);
    expect(halted(t)?.data).toEqual({
      ring: 'r0',
      check: 'err',
      aggregate: 'cluster',
      clusters: [
        { cluster: 'a', value: 0.5 },
        { cluster: 'c', value: 0.03 },
      ],
      threshold: { max: 0.02 },
      for: '0ms',
      query: ERR.query,
      queries: 'rate(errors{cluster="a"}[1m])',
    });
    expect(halted(t)?.reason).toBe('check err failed in ring r0 (at its first breaching evaluation): a 0.5 > max 0.02; c 0.03 > max 0.02');
  });

  it('lists at most 20 clusters in the audit entry and counts the rest', () => {
    const names = Array.from({ length: 23 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const r = release([ring('r0')], Object.fromEntries(names.map((n) => [n, {}])), { checks: [{ ...ERR, forMs: 0 }] });
    const t = step(start(r), Object.fromEntries(names.map((n) => [n, 1])), S);
    expect(halted(t)?.data['clusters']).toHaveLength(20);
    expect(halted(t)?.data['more']).toBe(3);
  });

  it('a blip shorter than for does nothing: a value within the threshold clears breachingSince', () => {
    const ts = run(start(twoWaves), [[1, { a: 0.05 }], [4, { a: 0.01 }], [5, { a: 0.05 }], [9, { a: 0.05 }]]);
    expect(ts.every((t) => t.state.phase !== 'Halted')).toBe(true);
    expect(ts[1]?.moves.map((m) => m.cluster)).toEqual(['b']);
    expect(ts[3]?.state.rings[0]?.checks?.[0]?.subjects['a']?.breachingSince).toBe(iso(T0 + 5 * S));
    expect(gate(ts[3]!.state)?.state).toBe('pending');
  });

  it('after recovery and resume the rollout continues to Completed; a persisting breach halts again after for', () => {
    const r = release([ring('r0'), ring('r1', { checks: [] })], { a: {}, z: { ring: 1 } });
    const failed = run(start(r), [[1, { a: 0.05 }], [6, { a: 0.05 }]]).at(-1)!;
    expect(failed.state.phase).toBe('Halted');
    const resumed = valid(applyRolloutCommand(failed.state, { kind: 'resume', actor: 'ops', reason: 'fixed' }, T0 + 7 * S)).state;
    expect(gate(resumed)).toMatchObject({ state: 'pending', reason: 'resumed by ops: fixed' });
    expect(resumed.rings[0]?.checks?.[0]?.subjects['a']).toEqual({ values: [0.05, 0.05] });
    expect(resumed.rings[0]?.checks?.[0]?.times).toEqual([iso(T0 + S), iso(T0 + 6 * S)]);
    const again = run(resumed, [[8, { a: 0.05 }], [12, { a: 0.05 }], [13, { a: 0.05 }]]);
    expect(again.map((t) => t.state.phase)).toEqual(['Progressing', 'Progressing', 'Halted']);
    const resumed2 = valid(applyRolloutCommand(again[2]!.state, { kind: 'resume', actor: 'ops', reason: 'fixed' }, T0 + 14 * S)).state;
    // The ring soaks at least the check's for (5s) before it succeeds.
    const done = run(resumed2, [[15, { a: 0.01 }], [19, { a: 0.01 }], [20, { a: 0.01 }], [21, { z: 0 }]]);
    expect(done.map((t) => t.state.rings[0]?.phase)).toEqual(['Soaking', 'Soaking', 'Succeeded', 'Succeeded']);
    expect(done[2]?.moves.map((m) => m.cluster)).toEqual(['z']);
    expect(done[3]?.state.phase).toBe('Completed');
  });

  it('onFailure revert moves stateless clusters back and leaves stateful ones', () => {
    const r = release([ring('r0')], { a: {}, s: { statefulChanged: true } }, { onFailure: 'revert', checks: [{ ...ERR, forMs: 0 }] });
    const t = step(start(r), { a: 0.01, s: 0.5 }, S);
    expect(t.state.phase).toBe('Halted');
    expect(t.moves).toEqual([{ cluster: 'a', digest: OLD, reason: 'revert' }]);
    expect(t.state.clusters['a']?.state).toBe('reverted');
    expect(t.state.clusters['s']?.state).toBe('applied');
  });
});

describe('thresholds and values', () => {
  it('min: a value below it breaches', () => {
    const { max: _max, ...noMax } = ERR;
    const r = release([ring('r0')], { a: {} }, { checks: [{ ...noMax, min: 5, forMs: 0 }] });
    const t = step(start(r), { a: 3 }, S);
    expect(gate(t.state)).toMatchObject({ state: 'failed', reason: 'a 3 < min 5' });
    expect(halted(t)?.data['threshold']).toEqual({ min: 5 });
  });

  it('+Inf breaches any max and is stored as "+Inf"; -Inf as "-Inf"', () => {
    const r = release([ring('r0')], { a: {}, b: {} }, { checks: [{ ...ERR, forMs: 0 }] });
    const t = step(start(r), { a: Number.POSITIVE_INFINITY, b: Number.NEGATIVE_INFINITY }, S);
    expect(t.state.rings[0]?.checks?.[0]?.subjects['a']?.values).toEqual(['+Inf']);
    expect(t.state.rings[0]?.checks?.[0]?.subjects['b']?.values).toEqual(['-Inf']);
    expect(t.state.rings[0]?.checks?.[0]?.history).toEqual([[iso(T0 + S), '+Inf', 'a']]);
    expect(halted(t)?.data['clusters']).toEqual([{ cluster: 'a', value: '+Inf' }]);
  });

  it('aggregate ring: one subject, the ring, queried over its judged clusters', () => {
    const agg: CheckPlan = { ...ERR, query: 'sum(rate(errors{cluster=~"${ring.clusters}"}[1m]))', aggregate: 'ring', forMs: 0 };
    const r = release([ring('r0')], { a: {}, b: {} }, { checks: [agg] });
    const ok = step(start(r), { r0: 0.01 }, S);
    expect(ok.state.rings[0]?.checks?.[0]?.history).toEqual([[iso(T0 + S), 0.01, 'r0']]);
    expect(ok.state.rings[0]?.phase).toBe('Succeeded');
    // A ring that succeeded judges nobody: its subjects go, its chart stays.
    expect(ok.state.rings[0]?.checks?.[0]?.subjects).toEqual({});
    const bad = step(start(r), { r0: 0.03 }, S);
    expect(halted(bad)?.data).toMatchObject({ aggregate: 'ring', rings: [{ ring: 'r0', value: 0.03 }], queries: 'sum(rate(errors{cluster=~"a|b"}[1m]))' });
  });

  it('keeps the last CHECK_SAMPLES_KEPT samples per subject and CHECK_HISTORY_KEPT history lines, oldest dropped', () => {
    const r = release([ring('r0', { soakMs: 3600 * S })], { a: {}, b: {} });
    const ts = run(start(r), Array.from({ length: 40 }, (_, i) => [i + 1, { a: i / 10_000, b: 0.001 }] as [number, Record<string, number>]));
    const state = ts.at(-1)!.state.rings[0]!.checks![0]!;
    expect(state.subjects['a']?.values).toHaveLength(CHECK_SAMPLES_KEPT);
    expect(state.subjects['a']?.values[0]).toBe(0.0035);
    expect(state.times).toEqual([36, 37, 38, 39, 40].map((sec) => iso(T0 + sec * S)));
    expect(state.history).toHaveLength(CHECK_HISTORY_KEPT);
    expect(state.history[0]).toEqual([iso(T0 + 11 * S), 0.001, 'a']);
    expect(state.history.at(-1)).toEqual([iso(T0 + 40 * S), 0.0039, 'a']);
  });
});

describe('no data and errors', () => {
  const one = (noData: CheckPlan['noData'], over: Partial<RingPlan> = {}): Release => release([ring('r0', over)], { a: {} }, { checks: [{ ...ERR, noData }] });

  it('noData wait: pending, then fails after progressDeadline with "no data for 1m"', () => {
    const ts = run(start(one('wait')), [[1, { a: {} }], [60, { a: {} }], [61, { a: {} }]]);
    expect(gate(ts[1]!.state)).toMatchObject({ state: 'pending', reason: 'a no data for 59s (noData: wait, fails after 1m)' });
    expect(ts[1]?.state.rings[0]?.phase).toBe('Soaking');
    expect(ts[2]?.state.phase).toBe('Halted');
    expect(gate(ts[2]!.state)?.reason).toBe('a no data for 1m');
    // No breach held: the halt does not speak of `for`.
    expect(ts[2]?.state.halt?.reason).toBe('check err failed in ring r0: a no data for 1m');
  });

  it('noData fail fails at once; noData pass lets the ring succeed', () => {
    expect(step(start(one('fail')), { a: {} }, S).state.phase).toBe('Halted');
    expect(gate(step(start(one('fail')), { a: {} }, S).state)?.reason).toBe('a no data (noData: fail)');
    expect(run(start(one('pass')), [[1, { a: {} }], [6, { a: {} }]]).at(-1)?.state.phase).toBe('Completed');
  });

  it('an error never passes, even with noData pass: it waits, then fails with the error', () => {
    const err = { error: 'prometheus at http://p:9090 query failed: connection refused' };
    const ts = run(start(one('pass')), [[1, { a: err }], [61, { a: err }]]);
    expect(gate(ts[0]!.state)).toMatchObject({ state: 'pending', reason: `a query failing for 0ms: ${err.error} (fails after 1m)` });
    expect(ts[0]?.state.rings[0]?.checks?.[0]?.subjects['a']?.error).toBe(err.error);
    expect(ts[1]?.state.phase).toBe('Halted');
    expect(gate(ts[1]!.state)?.reason).toBe(`a query failing for 1m: ${err.error}`);
  });

  it('a judged subject without a reading counts as an error: no metric source answered, or a missing label', () => {
    const t = step(start(one('pass')), {}, S);
    expect(t.state.rings[0]?.checks?.[0]?.subjects['a']?.error).toBe('no metric source answered');
    const labelled = release([ring('r0')], { a: { labels: {} } }, { checks: [{ ...ERR, query: 'x{team="${cluster.labels.team}"}' }] });
    expect(step(start(labelled), {}, S).state.rings[0]?.checks?.[0]?.subjects['a']?.error).toBe('cluster a has no label team');
  });

  it('waiting lets the next wave open but not the ring succeed', () => {
    const r = release([ring('r0', { maxConcurrent: { kind: 'count', value: 1 } })], { a: {}, b: {} });
    const ts = run(start(r), [[1, { a: {} }], [2, { a: {}, b: 0.01 }], [7, { a: {}, b: 0.01 }]]);
    expect(ts[0]?.moves.map((m) => m.cluster)).toEqual(['b']);
    expect(ts[2]?.state.rings[0]?.phase).toBe('Soaking');
    expect(gate(ts[2]!.state, 'soak')?.reason).toBe('soaked 5s; waiting for every check to pass');
  });

  it('a failing query holds the next wave like a breach: a blind ring moves nothing more', () => {
    const r = release([ring('r0', { maxConcurrent: { kind: 'count', value: 1 } })], { a: {}, b: {} });
    const err = { error: 'prometheus at http://p:9090 query failed: ECONNREFUSED' };
    const ts = run(start(r), [[1, { a: err }], [30, { a: err }], [61, { a: err }]]);
    expect(ts.flatMap((t) => t.moves)).toEqual([]);
    expect(ts[1]?.state.clusters['b']?.state).toBe('pending');
    expect(gate(ts[1]!.state)).toMatchObject({ state: 'pending', reason: `a query failing for 29s: ${err.error} (fails after 1m)` });
    expect(ts[2]?.state.phase).toBe('Halted');
  });
});

describe('summarizeRollout checks', () => {
  it('gives each check its gate, latest worst value and breaching count', () => {
    const r = release([ring('r0', { soakMs: 60 * S })], { a: {}, b: {} });
    const t = step(start(r), { a: 0.05, b: 0.01 }, S);
    expect(summarizeRollout(start(r))[0]?.checks).toEqual([
      { check: 'err', state: 'pending', reason: 'not evaluated yet', max: 0.02, forMs: 5000, aggregate: 'cluster', breaching: 0, noValue: 0, subjects: 0 },
    ]);
    expect(summarizeRollout(t.state)[0]?.checks).toEqual([
      {
        check: 'err',
        state: 'pending',
        reason: 'a 0.05 > max 0.02 (halts at 5s)',
        max: 0.02,
        forMs: 5000,
        aggregate: 'cluster',
        latest: { at: iso(T0 + S), value: 0.05, subject: 'a' },
        breaching: 1,
        noValue: 0,
        subjects: 2,
      },
    ]);
  });
});

describe('review fixes', () => {
  it("a ring soaks at least its checks' longest for, so a breach starting after the last wave can still halt it", () => {
    const r = release([ring('r0'), ring('r1', { checks: [] })], { a: {}, z: { ring: 1 } });
    const ts = run(start(r), [[1, { a: 0.01 }], [5, { a: 0.05 }], [10, { a: 0.05 }]]);
    expect(ts[0]?.state.rings[0]?.phase).toBe('Soaking');
    expect(ts[0]?.moves).toEqual([]);
    expect(ts[2]?.state.phase).toBe('Halted');
  });

  it('a check that fails while a person halted the rollout is on record: its data in the ring.phase entry', () => {
    const r = release([ring('r0')], { a: {} }, { checks: [{ ...ERR, forMs: 0 }] });
    const halt = valid(applyRolloutCommand(start(r), { kind: 'halt', actor: 'ops', reason: 'looking' }, T0 + S)).state;
    const t = step(halt, { a: 0.5 }, 2 * S);
    expect(t.state.rings[0]?.phase).toBe('Failed');
    expect(t.state.halt?.actor).toBe('ops');
    expect(t.audit.find((a) => a.action === 'ring.phase')?.data).toMatchObject({ ring: 'r0', to: 'Failed', check: 'err', clusters: [{ cluster: 'a', value: 0.5 }], threshold: { max: 0.02 }, query: ERR.query });
  });

  it('names every check that failed in the same step', () => {
    const lat: CheckPlan = { ...ERR, name: 'lat', forMs: 0 };
    const r = release([ring('r0', { checks: ['err', 'lat'] })], { a: {} }, { checks: [{ ...ERR, forMs: 0 }, lat] });
    const s = start(r);
    const metrics = new Map([['err', new Map([['a', { value: 0.5 }]])], ['lat', new Map([['a', { value: 0.5 }]])]]);
    const t = valid(stepRollout(s, { ...obs(s, {}), metrics }, T0 + S));
    expect(halted(t)?.data['otherChecks']).toEqual(['lat']);
    expect(t.state.halt?.reason).toMatch(/\(also failed: check lat\)$/);
  });

  it('drops the subject of a cluster it no longer judges (failed within the budget)', () => {
    const r = release([ring('r0', { maxFailures: { kind: 'count', value: 1 }, soakMs: 60 * S })], { a: {}, b: {} });
    const first = structuredClone(step(start(r), { a: 0.01, b: 0.01 }, S).state);
    // What the controller records after the moves: a Failed report about this generation is a verdict.
    for (const c of Object.values(first.clusters)) c.generation = 1;
    const statuses = new Map([
      ['a', { phase: 'Applied' as const, observedGeneration: 1, appliedBundle: NEW, heartbeatAt: iso(T0) }],
      ['b', { phase: 'Failed' as const, observedGeneration: 1, heartbeatAt: iso(T0), lastError: 'boom' }],
    ]);
    const next = valid(stepRollout(first, { statuses, metrics: new Map([['err', new Map([['a', { value: 0.01 }]])]]) }, T0 + 2 * S)).state;
    expect(next.clusters['b']?.state).toBe('failed');
    expect(Object.keys(next.rings[0]?.checks?.[0]?.subjects ?? {})).toEqual(['a']);
    expect(summarizeRollout(next)[0]?.checks[0]).toMatchObject({ subjects: 1, noValue: 0 });
  });
});

describe('gaps in the readings', () => {
  const twoWaves = release([ring('r0', { maxConcurrent: { kind: 'count', value: 1 } })], { a: {}, b: {} });

  it('a step without data in the middle of a breach is no all-clear: the next wave stays closed', () => {
    const ts = run(start(twoWaves), [[1, { a: 0.05 }], [2, { a: {} }]]);
    expect(ts.flatMap((t) => t.moves)).toEqual([]);
    expect(gate(ts[1]!.state)?.reason).toMatch(/^a no data for 0ms; breaching since .* \(noData: wait, fails after 1m\)$/);
  });

  it('a subject the read budget skipped keeps its last verdict: no for is reached, no deadline starts, a pass stays a pass', () => {
    const skipped = { skipped: true as const };
    // Breaching, then skipped past `for`: held, not failed (a skipped step is no evaluation).
    const held = run(start(twoWaves), [[1, { a: 0.05 }], [9, { a: skipped }]]);
    expect(held[1]?.state.phase).toBe('Progressing');
    expect(held.flatMap((t) => t.moves)).toEqual([]);
    expect(held[1]?.state.rings[0]?.checks?.[0]?.subjects['a']).toMatchObject({ values: [0.05, null], breachingSince: iso(T0 + S) });
    // Within the threshold, then skipped: the next wave opens and nothing waits.
    const passed = run(start(twoWaves), [[1, { a: 0.01 }], [2, { a: skipped, b: 0.01 }]]);
    expect(passed[0]?.moves.map((m) => m.cluster)).toEqual(['b']);
    expect(passed[1]?.state.rings[0]?.checks?.[0]?.subjects['a']?.waitingSince).toBeUndefined();
    expect(gate(passed[1]!.state)?.state).toBe('passed');
    // Never read: waiting (the ring cannot succeed on it), with a reason that says why.
    const never = step(start(twoWaves), { a: skipped }, S);
    expect(gate(never.state)?.reason).toBe('a not read in this step (the metric read budget ran out); not read yet');
  });

  it('the soak gate names the real soak from the start: at least the checks\' longest for', () => {
    expect(gate(start(twoWaves), 'soak')?.reason).toBe('5s after the last wave is applied');
  });
});
