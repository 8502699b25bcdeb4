import { describeMetricSourceContract } from '@driftless/contracts';
import { describe, expect, it } from 'vitest';
import { FakeMetricSource } from './fake-metric-source.js';

describeMetricSourceContract('FakeMetricSource', () => {
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
      invalid: 'sum(',
    },
    requests: () => source.requests,
    unreachable: new FakeMetricSource({ description: 'fake prometheus down', unreachable: true }),
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
  });
});
