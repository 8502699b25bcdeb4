import { uniqueName } from '@driftless/contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerScrapeTarget } from '../env/prometheus.js';
import { waitForQuery } from '../env/wait-for-query.js';
import { startMetricsExporter, type MetricsExporter } from './metrics-exporter.js';

const env = inject('driftlessEnv');

let exporter: MetricsExporter;
let unregister: () => Promise<void>;
const fixture = uniqueName('exporter');
beforeAll(async () => {
  exporter = await startMetricsExporter();
  unregister = await registerScrapeTarget(env.prometheus, fixture, exporter.target, { fixture });
});
afterAll(async () => {
  await unregister();
  await exporter.close();
});

describe('the test exporter scraped by the real Prometheus', () => {
  it("shows a cluster's driven error ratio in rate() within seconds, and its change", async () => {
    const sel = `fixture="${fixture}",cluster="c-1"`;
    const ratio = `sum(rate(http_requests_total{${sel},code="500"}[5s])) / sum(rate(http_requests_total{${sel}}[5s]))`;
    exporter.setTraffic('c-1', { errorRatio: 0.05 });
    const before = await waitForQuery(env.prometheus.url, ratio, (s) => s.length === 1);
    expect(before[0]?.value).toBeCloseTo(0.05, 6);
    exporter.setTraffic('c-1', { errorRatio: 0.3 });
    // rate over 5s mixes old and new scrapes until the window holds only the new ratio.
    const after = await waitForQuery(env.prometheus.url, ratio, (s) => Math.abs((s[0]?.value ?? 0) - 0.3) < 1e-6);
    expect(after).toHaveLength(1);
  });

  it('shows the latency histogram and the overrides gauge per cluster', async () => {
    exporter.setTraffic('c-2', { errorRatio: 0, latencySeconds: 0.4 });
    exporter.setOverrides('c-2', 4);
    const p99 = `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{fixture="${fixture}",cluster="c-2"}[5s])))`;
    const latency = await waitForQuery(env.prometheus.url, p99, (s) => s.length === 1 && !Number.isNaN(s[0]?.value));
    // 0.4 s falls in the (0.25, 0.5] bucket; the quantile interpolates inside it.
    expect(latency[0]?.value).toBeGreaterThan(0.25);
    expect(latency[0]?.value).toBeLessThanOrEqual(0.5);
    const overrides = await waitForQuery(env.prometheus.url, `human_overrides{fixture="${fixture}"}`, (s) => s.length === 1);
    expect(overrides[0]).toMatchObject({ labels: { cluster: 'c-2' }, value: 4 });
  });
});
