import { DriftlessError, type MetricQueryResult, type MetricSource } from '@driftless/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A series the harness expects: these labels (a subset of the series' labels) with this value. */
export interface ExpectedSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A MetricSource under test with queries prepared for it (series the harness
 * created, e.g. through the testkit's exporter), and a source that cannot be reached.
 */
export interface MetricSourceContractSubject {
  readonly source: MetricSource;
  readonly queries: {
    /** An instant vector of exactly one series. */
    readonly oneSeries: { readonly query: string; readonly series: ExpectedSeries };
    /** An instant vector of several series (any order). */
    readonly severalSeries: { readonly query: string; readonly series: readonly ExpectedSeries[] };
    /** A selector that matches nothing. */
    readonly empty: string;
    /** A scalar expression and its value. */
    readonly scalar: { readonly query: string; readonly value: number };
    /** An expression whose single value is NaN (`0/0`). */
    readonly nan: string;
    /** An expression whose single value is +Inf (`1/0`). */
    readonly infinity: string;
    /** An expression whose single value is -Inf (`-1/0`). */
    readonly negativeInfinity: string;
    /** A range vector selector (`up[1m]`): a result a check cannot use. */
    readonly rangeVector: string;
    /** PromQL that does not parse. */
    readonly invalid: string;
  };
  /** Requests the source has sent to its server so far (to see that a rejected query is not retried). */
  readonly requests: () => number;
  /** A source whose server does not answer, configured to give up quickly. */
  readonly unreachable: MetricSource;
  /** A source whose server answers every request with a 5xx; `requests` counts them, `attempts` is how many it makes per query. */
  readonly overloaded: { readonly source: MetricSource; readonly attempts: number; readonly requests: () => number };
  /** A source whose server answers `query` with data and the warning `warning` (a partial result: a shard or remote read failed). */
  readonly partial: { readonly source: MetricSource; readonly query: string; readonly warning: string };
  readonly cleanup?: () => Promise<void> | void;
}

const only = (r: MetricQueryResult): number | undefined => (r.resultType === 'scalar' ? r.value : r.series.length === 1 ? r.series[0]?.value : undefined);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/**
 * The behaviour the rollout's metric checks rely on from every MetricSource
 * (core's port), run unchanged against the real Prometheus and against
 * FakeMetricSource. `make` is called once for the suite (the queries only read).
 */
export function describeMetricSourceContract(name: string, make: () => MetricSourceContractSubject | Promise<MetricSourceContractSubject>): void {
  describe(`MetricSource contract: ${name}`, () => {
    let subject: MetricSourceContractSubject;
    beforeAll(async () => {
      subject = await make();
    });
    afterAll(async () => {
      await subject.cleanup?.();
    });

    it('answers one series with its labels and value', async () => {
      const { query, series } = subject.queries.oneSeries;
      const r = await subject.source.query(query);
      expect(r.resultType).toBe('vector');
      expect(r.resultType === 'vector' ? r.series : []).toEqual([{ labels: expect.objectContaining(series.labels) as unknown, value: series.value }]);
    });

    it('answers several series, each with its own value', async () => {
      const { query, series } = subject.queries.severalSeries;
      const r = await subject.source.query(query);
      expect(r.resultType === 'vector' ? r.series : []).toEqual(
        expect.arrayContaining(series.map((s) => ({ labels: expect.objectContaining(s.labels) as unknown, value: s.value }))),
      );
      expect(r.resultType === 'vector' ? r.series.length : 0).toBe(series.length);
    });

    it('answers a selector that matches nothing with an empty vector, not an error', async () => {
      expect(await subject.source.query(subject.queries.empty)).toEqual({ resultType: 'vector', series: [] });
    });

    it('answers a scalar expression with a scalar', async () => {
      expect(await subject.source.query(subject.queries.scalar.query)).toEqual({ resultType: 'scalar', value: subject.queries.scalar.value });
    });

    it('keeps NaN, +Inf and -Inf as numbers', async () => {
      expect(only(await subject.source.query(subject.queries.nan))).toBeNaN();
      expect(only(await subject.source.query(subject.queries.infinity))).toBe(Number.POSITIVE_INFINITY);
      expect(only(await subject.source.query(subject.queries.negativeInfinity))).toBe(Number.NEGATIVE_INFINITY);
    });

    it('rejects a range vector result with the stalled MetricQueryRejected, asking once', async () => {
      const before = subject.requests();
      const err = await rejection(subject.source.query(subject.queries.rangeVector));
      expect(err).toBeInstanceOf(DriftlessError);
      expect((err as DriftlessError).code).toBe('MetricQueryRejected');
      expect((err as DriftlessError).message).toMatch(/query failed: the result is a matrix/);
      expect(subject.requests() - before).toBe(1);
    });

    it('retries a server that answers 5xx, then reports the transient MetricSourceUnavailable', async () => {
      const { source, attempts, requests } = subject.overloaded;
      const before = requests();
      const err = await rejection(source.query(subject.queries.oneSeries.query));
      expect(err).toBeInstanceOf(DriftlessError);
      expect((err as DriftlessError).code).toBe('MetricSourceUnavailable');
      expect((err as DriftlessError).message).toMatch(new RegExp(`^${escape(source.description)} query failed: HTTP 5\\d\\d`));
      expect(requests() - before).toBe(attempts);
    });

    it('carries the warnings of a partial result, so a check never reads it as complete', async () => {
      const { source, query, warning } = subject.partial;
      expect((await source.query(query)).warnings).toEqual([warning]);
    });

    it('rejects PromQL that does not parse with the stalled MetricQueryRejected, asking once', async () => {
      const before = subject.requests();
      const err = await rejection(subject.source.query(subject.queries.invalid));
      expect(err).toBeInstanceOf(DriftlessError);
      expect((err as DriftlessError).code).toBe('MetricQueryRejected');
      expect((err as DriftlessError).errorClass).toBe('stalled');
      expect((err as DriftlessError).message).toMatch(new RegExp(`^${escape(subject.source.description)} query failed: .+`));
      expect(subject.requests() - before).toBe(1);
    });

    it('reports a source it cannot reach with the transient MetricSourceUnavailable, never a value', async () => {
      const err = await rejection(subject.unreachable.query(subject.queries.oneSeries.query));
      expect(err).toBeInstanceOf(DriftlessError);
      expect((err as DriftlessError).code).toBe('MetricSourceUnavailable');
      expect((err as DriftlessError).errorClass).toBe('transient');
      expect((err as DriftlessError).message).toMatch(new RegExp(`^${escape(subject.unreachable.description)} query failed: .+`));
    });

    it('rejects with the abort reason when the caller has aborted, sending nothing', async () => {
      const reason = new Error('step cancelled');
      const before = subject.requests();
      await expect(subject.source.query(subject.queries.oneSeries.query, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      await expect(subject.unreachable.query(subject.queries.oneSeries.query, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(subject.requests() - before).toBe(0);
    });
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
