import { closedPort, describeMetricSourceContract, startFaultyProxy, uniqueName } from '@driftless/contracts';
import { registerScrapeTarget, startMetricsExporter, waitForQuery } from '@driftless/testkit';
import { inject } from 'vitest';
import { createPrometheusSource } from './prometheus-source.js';

const env = inject('driftlessEnv');

describeMetricSourceContract('Prometheus', async () => {
  const fixture = uniqueName('contract');
  const exporter = await startMetricsExporter();
  exporter.setOverrides('a', 3);
  exporter.setOverrides('b', 5);
  const unregister = await registerScrapeTarget(env.prometheus, fixture, exporter.target, { fixture });
  await waitForQuery(env.prometheus.url, `human_overrides{fixture="${fixture}"}`, (s) => s.length === 2);
  // The proxy forwards everything and counts requests, to see that a rejected query is asked once.
  const proxy = await startFaultyProxy(env.prometheus.url, () => undefined);
  const quick = { attempts: 2, backoffBaseMs: 1, timeoutMs: 2_000 };
  const overloaded = await startFaultyProxy(env.prometheus.url, () => ({ status: 503, body: '{"status":"error","errorType":"unavailable","error":"overloaded"}' }));
  // Prometheus itself sends warnings only from failing remote-read or federated backends: a stand-in answers as they would.
  const warning = 'remote read failed: store-1 unreachable';
  const partialBody = JSON.stringify({ status: 'success', warnings: [warning], data: { resultType: 'vector', result: [] } });
  const partial = await startFaultyProxy(env.prometheus.url, () => ({ status: 200, body: partialBody }));
  return {
    source: createPrometheusSource({ url: proxy.url, ...quick }),
    queries: {
      oneSeries: { query: `human_overrides{fixture="${fixture}",cluster="a"}`, series: { labels: { cluster: 'a', fixture }, value: 3 } },
      severalSeries: {
        query: `human_overrides{fixture="${fixture}"}`,
        series: [
          { labels: { cluster: 'a' }, value: 3 },
          { labels: { cluster: 'b' }, value: 5 },
        ],
      },
      empty: `human_overrides{fixture="${fixture}",cluster="none"}`,
      scalar: { query: 'scalar(vector(2.5))', value: 2.5 },
      nan: '0/0',
      infinity: '1/0',
      negativeInfinity: '-1/0',
      rangeVector: `human_overrides{fixture="${fixture}"}[1m]`,
      invalid: 'sum(human_overrides',
    },
    requests: () => proxy.received,
    unreachable: createPrometheusSource({ url: `http://127.0.0.1:${await closedPort()}`, ...quick }),
    overloaded: { source: createPrometheusSource({ url: overloaded.url, ...quick }), attempts: quick.attempts, requests: () => overloaded.received },
    partial: { source: createPrometheusSource({ url: partial.url, ...quick }), query: 'up', warning },
    cleanup: async () => {
      await unregister();
      await overloaded.close();
      await partial.close();
      await proxy.close();
      await exporter.close();
    },
  };
});
