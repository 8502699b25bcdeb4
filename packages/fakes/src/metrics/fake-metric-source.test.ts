import { describeMetricSourceContract } from '@driftless/contracts';
import { describe, expect, it } from 'vitest';
import { FakeMetricSource } from './fake-metric-source.js';

describeMetricSourceContract('FakeMetricSource', () => {
  // The fake has no retries: one request per query, answered as a server that says 503.
  const overloaded = new FakeMetricSource({ description: 'fake prometheus overloaded', answer: () => ({ unavailable: 'HTTP 503', status: 503 }) });
  const source = new FakeMetricSource()
    .setValue('overrides{cluster="a"}', 3, { cluster: 'a' })
    .set('overrides', {
      resultType: 'vector',
      series: [
        { labels: { cluster: 'a' }, value: 3 },
        { labels: { cluster: 'b' }, value: 5 },
      ],
    })
    .set('2.5', { resultType: 'scalar', value: 2.5 })
    .set('0/0', { resultType: 'scalar', value: Number.NaN })
    .set('1/0', { resultType: 'scalar', value: Number.POSITIVE_INFINITY })
    .set('-1/0', { resultType: 'scalar', value: Number.NEGATIVE_INFINITY })
    .set('overrides[1m]', { unusable: 'matrix' })
    .set('sum(', { reject: 'parse error: unclosed left parenthesis' });
  return {
    source,
    queries: {
      oneSeries: { query: 'overrides{cluster="a"}', series: { labels: { cluster: 'a' }, value: 3 } },
      severalSeries: {
        query: 'overrides',
        series: [
          { labels: { cluster: 'a' }, value: 3 },
          { labels: { cluster: 'b' }, value: 5 },
        ],
      },
      empty: 'overrides{cluster="none"}',
      scalar: { query: '2.5', value: 2.5 },
      nan: '0/0',
      infinity: '1/0',
      negativeInfinity: '-1/0',
      rangeVector: 'overrides[1m]',
      invalid: 'sum(',
    },
    requests: () => source.requests,
    unreachable: new FakeMetricSource({ description: 'fake prometheus down', unreachable: true }),
    overloaded: { source: overloaded, attempts: 1, requests: () => overloaded.requests },
    partial: { source: new FakeMetricSource().set('up', { resultType: 'vector', series: [], warnings: ['remote read failed'] }), query: 'up', warning: 'remote read failed' },
  };
});

describe('FakeMetricSource', () => {
  it('computes answers in function mode, and a set answer wins over it', async () => {
    const source = new FakeMetricSource({ answer: (q) => ({ resultType: 'scalar', value: q.length }) });
    expect(await source.query('abc')).toEqual({ resultType: 'scalar', value: 3 });
    source.set('abc', { unavailable: 'HTTP 503' });
    await expect(source.query('abc')).rejects.toMatchObject({ code: 'MetricSourceUnavailable', message: 'fake prometheus query failed: HTTP 503' });
    source.clear('abc');
    expect(await source.query('abc')).toEqual({ resultType: 'scalar', value: 3 });
    source.set('abc', { unusable: 'histogram' });
    await expect(source.query('abc')).rejects.toMatchObject({ code: 'MetricQueryRejected', message: expect.stringMatching(/histogram_quantile/) as unknown });
    source.clear('abc');
    expect(await source.query('abc')).toEqual({ resultType: 'scalar', value: 3 });
  });

  it('puts a URL in its errors\' data.source, as the real client does', async () => {
    const source = new FakeMetricSource({ url: 'http://prom.test:9090', answer: () => ({ unavailable: 'ECONNREFUSED' }) });
    await expect(source.query('q')).rejects.toMatchObject({ data: { source: 'http://prom.test:9090' } });
  });
});
