import { API_VERSION, deliveryPlanSchema, DriftlessError, type CheckPlan, type MetricQueryResult, type MetricReading, type MetricSource, type Rollout } from '@driftless/core';
import { FakeMetricSource, VirtualClock } from '@driftless/fakes';
import { describe, expect, it, vi } from 'vitest';
import { createMetricObserver, requireMetricSource, type MetricRead, type MetricReadings } from './metric-observer.js';
import { digestOf, planOf } from '../testing/rollout-fixture.js';

const errorRate: CheckPlan = { name: 'error-rate', query: 'errors{cluster="${cluster.name}"}', max: 0.02, forMs: 0, aggregate: 'cluster', noData: 'wait' };
const ringLatency: CheckPlan = { name: 'latency', query: 'p99{cluster=~"${ring.clusters}"}', max: 0.5, forMs: 0, aggregate: 'ring', noData: 'wait' };

/** A rollout whose ring-0 is Progressing with a0 applied, a1 moved and a2 pending, gated by both checks. */
function rolloutWithChecks(): Rollout {
  const base = planOf('ring-0', 'ring-1');
  const plan = { ...base, checks: [errorRate, ringLatency], rings: base.rings.map((r, i) => (i === 0 ? { ...r, checks: ['error-rate', 'latency'] } : r)) };
  const cluster = (state: 'applied' | 'moved' | 'pending') => ({ ring: 0, to: digestOf('1'), statefulChanged: false, state });
  return {
    apiVersion: API_VERSION,
    kind: 'Rollout',
    id: 'r1',
    revision: 'a'.repeat(40),
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    plan: deliveryPlanSchema.parse(plan),
    phase: 'Progressing',
    rings: [
      { name: 'ring-0', phase: 'Progressing', wavesOpened: 1, gates: [] },
      { name: 'ring-1', phase: 'Pending', wavesOpened: 0, gates: [] },
    ],
    clusters: { a0: cluster('applied'), a1: cluster('moved'), a2: cluster('pending') },
  };
}

/** A source answering from `answers` by query text (a function may throw), counting the queries in flight. */
function sourceOf(answers: Record<string, MetricQueryResult | (() => never)>) {
  const asked: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const source: MetricSource = {
    description: 'test prometheus',
    async query(promql) {
      asked.push(promql);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      inFlight--;
      const a = answers[promql];
      if (a === undefined) return { resultType: 'vector', series: [] };
      return typeof a === 'function' ? a() : a;
    },
  };
  return { source, asked, maxInFlight: () => maxInFlight };
}

/** The readings of an observer's result (before review 13b the observer returned the readings alone). */
function readingsOf(result: unknown): MetricReadings {
  return result instanceof Map ? (result as MetricReadings) : (result as MetricRead).readings;
}

const vector = (...values: number[]): MetricQueryResult => ({ resultType: 'vector', series: values.map((value, i) => ({ labels: { i: String(i) }, value })) });

/** A rollout of ring-0 Progressing with `n` moved clusters gated by error-rate alone. */
function manyClusters(n: number): Rollout {
  const rollout = rolloutWithChecks();
  const clusters = Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, { ring: 0, to: digestOf('1'), statefulChanged: false, state: 'moved' as const }]));
  const plan = { ...rollout.plan, checks: [errorRate], rings: rollout.plan.rings.map((r, i) => (i === 0 ? { ...r, checks: ['error-rate'] } : r)) };
  return { ...rollout, plan, clusters };
}

/** A source whose queries never settle until their signal aborts (a blackholed Prometheus). */
function hangingSource() {
  let asked = 0;
  let aborted = 0;
  const source: MetricSource = {
    description: 'test prometheus',
    query: (_promql, options) =>
      new Promise((_resolve, reject) => {
        asked++;
        options?.signal?.addEventListener('abort', () => (aborted++, reject(options.signal?.reason as Error)), { once: true });
      }),
  };
  return { source, asked: () => asked, aborted: () => aborted };
}

describe('createMetricObserver', () => {
  it('reads every judged cluster per cluster check and the ring once per ring check, as readings by check and subject', async () => {
    const { source, asked } = sourceOf({
      'errors{cluster="a0"}': vector(0.031),
      'errors{cluster="a1"}': () => {
        throw new DriftlessError('MetricSourceUnavailable', 'test prometheus query failed: connection refused', { source: 'x', query: 'q', reason: 'refused' });
      },
      'p99{cluster=~"a0|a1"}': vector(0.1, 0.2),
    });
    const readings = readingsOf(await createMetricObserver(source, { clock: new VirtualClock() })(rolloutWithChecks()));
    expect(asked.sort()).toEqual(['errors{cluster="a0"}', 'errors{cluster="a1"}', 'p99{cluster=~"a0|a1"}']);
    expect(readings.get('error-rate')).toEqual(
      new Map([
        ['a0', { value: 0.031 }],
        // An unreachable source says so, so the ring's halt after progressDeadline does too.
        ['a1', { error: 'test prometheus unreachable: refused' }],
      ]),
    );
    expect(readings.get('latency')?.get('ring-0')?.error).toMatch(/returned 2 series/);
  });

  it("keeps a rejected query's own message (the source answered: it is not unreachable)", async () => {
    const rejected = () => {
      throw new DriftlessError('MetricQueryRejected', 'test prometheus query failed: parse error at char 7', { source: 'x', query: 'q', reason: 'parse error at char 7' });
    };
    const { source } = sourceOf({ 'errors{cluster="a0"}': rejected });
    const readings = readingsOf(await createMetricObserver(source, { clock: new VirtualClock() })(rolloutWithChecks()));
    expect(readings.get('error-rate')?.get('a0')).toEqual({ error: 'test prometheus query failed: parse error at char 7' });
  });

  it('keeps at most `concurrency` queries in flight', async () => {
    const rollout = rolloutWithChecks();
    const clusters = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, { ring: 0, to: digestOf('1'), statefulChanged: false, state: 'moved' as const }]));
    const { source, asked, maxInFlight } = sourceOf({});
    await createMetricObserver(source, { clock: new VirtualClock(), concurrency: 2 })({ ...rollout, clusters });
    expect(asked).toHaveLength(11);
    expect(maxInFlight()).toBe(2);
  });

  it('gives up when the step\'s budget runs out: every unanswered subject is skipped (it keeps its last verdict), nothing else asked', async () => {
    const clock = new VirtualClock(0);
    const { source, asked } = hangingSource();
    let done = false;
    const reading = createMetricObserver(source, { clock, concurrency: 4, budgetMs: 20_000 })(manyClusters(100)).finally(() => (done = true));
    await clock.advance(19_999);
    expect(done).toBe(false);
    await clock.advance(20_000);
    const readings = readingsOf(await reading);
    expect(asked()).toBe(4);
    const errors = [...(readings.get('error-rate')?.values() ?? [])];
    expect(errors).toHaveLength(100);
    for (const r of errors) expect(r).toEqual({ skipped: true });
  });

  it('stops querying in a step after the first failure without an HTTP status (network, timeout), saying so to the rest', async () => {
    const source = new FakeMetricSource({ description: 'test prometheus', unreachable: true });
    const readings = readingsOf(await createMetricObserver(source, { clock: new VirtualClock(), concurrency: 16 })(manyClusters(1000)));
    expect(source.requests).toBeLessThanOrEqual(16);
    const errors = [...(readings.get('error-rate')?.values() ?? [])];
    expect(errors).toHaveLength(1000);
    for (const r of errors) expect(r.error).toMatch(/^test prometheus unreachable: ECONNREFUSED/);
    expect(errors.filter((r) => r.error?.includes('not read in this step after this failure')).length).toBeGreaterThanOrEqual(1000 - source.requests);
  });

  it('keeps querying after a failure that has an HTTP status (the server answered)', async () => {
    const source = new FakeMetricSource({ description: 'test prometheus', answer: () => ({ unavailable: 'HTTP 503', status: 503 }) });
    await createMetricObserver(source, { clock: new VirtualClock(), concurrency: 4 })(manyClusters(50));
    expect(source.requests).toBe(50);
  });

  it('rejects with the abort reason when the caller aborts, leaving no query running', async () => {
    const clock = new VirtualClock(0);
    const { source, asked, aborted } = hangingSource();
    const abort = new AbortController();
    const reading = createMetricObserver(source, { clock, budgetMs: 20_000 })(manyClusters(10), abort.signal);
    await clock.advance(1);
    const reason = new Error('lease lost');
    abort.abort(reason);
    await expect(reading).rejects.toBe(reason);
    expect(asked()).toBeGreaterThan(0);
    expect(aborted()).toBe(asked());
  });
});

/** A source answering 0.01 to every query after `delayMs` on `clock`, or never (ignoring its abort) while `hang` says so. */
function slowSource(clock: VirtualClock, delayMs: number) {
  const state = { hang: false, asked: 0 };
  const source: MetricSource = {
    description: 'test prometheus',
    async query() {
      state.asked++;
      if (state.hang) return new Promise<never>(() => undefined);
      await clock.sleep(delayMs);
      return vector(0.01);
    },
  };
  return { source, state };
}

/** The subjects of `readings`' error-rate check that read a value. */
function valued(readings: MetricReadings): string[] {
  return [...(readings.get('error-rate') ?? new Map<string, MetricReading>())].filter(([, r]) => r.value !== undefined).map(([s]) => s);
}

describe('createMetricObserver on a ring larger than one budget of reads (review 13b)', () => {
  it('starts each step where the last one stopped: two steps read all 100 subjects, and the rest of a step is skipped, not an error', async () => {
    const clock = new VirtualClock(0);
    const { source } = slowSource(clock, 10);
    const observe = createMetricObserver(source, { clock, concurrency: 1, budgetMs: 500 });
    const rollout = manyClusters(100);
    const first = observe(rollout);
    await clock.advance(1_000);
    const one = readingsOf(await first);
    const second = observe(rollout);
    await clock.advance(2_000);
    const two = readingsOf(await second);
    expect(valued(one).length).toBeGreaterThanOrEqual(40);
    expect(new Set([...valued(one), ...valued(two)]).size).toBe(100);
    const rest = [...(one.get('error-rate')?.values() ?? [])].filter((r) => r.value === undefined);
    expect(rest.length).toBe(100 - valued(one).length);
    for (const r of rest) expect(r).toEqual({ skipped: true });
  });

  it('counts what it asked, answered and skipped, and says why the reads were cut short', async () => {
    const clock = new VirtualClock(0);
    const { source } = slowSource(clock, 10);
    const reading = createMetricObserver(source, { clock, concurrency: 1, budgetMs: 1_500 })(manyClusters(200));
    await clock.advance(2_000);
    const read = await reading;
    expect(read.counts.answered + read.counts.skipped + read.counts.failed).toBe(200);
    expect(read.counts.failed).toBe(0);
    // Concurrency 1: at most the one query the budget aborted was asked and not answered.
    expect(read.counts.asked - read.counts.answered).toBeLessThanOrEqual(1);
    expect(read.counts.skipped).toBeGreaterThan(0);
    // Below 10 s the exact budget: rounding to seconds would say 2s.
    expect(read.cutShort).toBe('test prometheus did not answer within 1500ms');
  });

  it('lets the next step read even when a source kept the last step\'s queries running past their abort', async () => {
    const clock = new VirtualClock(0);
    const { source, state } = slowSource(clock, 0);
    const observe = createMetricObserver(source, { clock, concurrency: 4, budgetMs: 300 });
    state.hang = true;
    const first = observe(manyClusters(20));
    await clock.advance(300);
    await first;
    state.hang = false;
    const second = observe(manyClusters(20));
    await clock.advance(600);
    expect(valued(readingsOf(await second))).toHaveLength(20);
  });

  it('says a source that answered with an HTTP status answered, not that it is unreachable', async () => {
    const source = new FakeMetricSource({ description: 'test prometheus', answer: () => ({ unavailable: 'HTTP 401 (check DRIFTLESS_PROMETHEUS_TOKEN)', status: 401 }) });
    const readings = readingsOf(await createMetricObserver(source, { clock: new VirtualClock() })(manyClusters(1)));
    expect(readings.get('error-rate')?.get('c0')).toEqual({ error: 'test prometheus answered HTTP 401 (check DRIFTLESS_PROMETHEUS_TOKEN)' });
  });

  it('prints no MaxListenersExceededWarning with 16 queries in flight that each listen to their signal', async () => {
    const clock = new VirtualClock(0);
    const warned = vi.spyOn(process, 'emitWarning');
    try {
      const { source } = hangingSource();
      const reading = createMetricObserver(source, { clock, concurrency: 16, budgetMs: 1_000 })(manyClusters(100));
      await clock.advance(1_000);
      await reading;
      expect(warned.mock.calls.map((c) => String(c[0]))).not.toContainEqual(expect.stringMatching(/MaxListeners|listeners added/));
    } finally {
      warned.mockRestore();
    }
  });
});

describe('requireMetricSource', () => {
  it('names the rings, their checks and the flag; passes with a source or without checks', () => {
    const rollout = rolloutWithChecks();
    const where = { subject: 'rollout r1', operation: 'step', rollout: 'r1' };
    expect(() => requireMetricSource(rollout.plan, undefined, where)).toThrow(
      'rollout r1 step failed: ring ring-0 lists checks error-rate, latency; pass --prometheus URL (or set DRIFTLESS_PROMETHEUS_URL)',
    );
    expect(() => requireMetricSource(rollout.plan, sourceOf({}).source, where)).not.toThrow();
    expect(() => requireMetricSource(planOf('ring-0'), undefined, where)).not.toThrow();
  });
});
