import type { MetricSource } from '@driftless/core';
import { createPrometheusSource } from '@driftless/prometheus';
import { clusterName, registerScrapeTarget, scenarioCluster, startMetricsExporter, waitForQuery, type PrometheusInfo } from '@driftless/testkit';

/** The demo's metric gate: ring-0 halts when a cluster's share of 5xx answers stays above 2 % for 5 s. */
export const DEMO_CHECK = {
  name: 'error-rate',
  // `[5s]` windows: Prometheus scrapes every second, so a rate is there within seconds (production uses minutes).
  prometheus: 'sum(rate(http_requests_total{cluster="${cluster.name}",code=~"5.."}[5s])) / sum(rate(http_requests_total{cluster="${cluster.name}"}[5s]))',
  max: 0.02,
  for: '5s',
} as const;

/** The share of 5xx answers the demo's ring-0 clusters serve: well within {@link DEMO_CHECK}'s max. */
const ERROR_RATIO = 0.01;
/** Requests per scrape and cluster: enough for an exact 1 %, few enough to cost nothing with 30 clusters. */
const REQUESTS_PER_SCRAPE = 100;

/** The demo's metrics: what its rollout controller reads, and how to stop serving them. */
export interface DemoMetrics {
  /** The Prometheus the demo's hub and rollout controller read the check from. */
  readonly source: MetricSource;
  readonly url: string;
  /** Resolves once Prometheus answers the check's query for the first ring-0 cluster, so the first step has a value. */
  ready(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the testkit's metrics exporter with steady traffic (1 % errors) for
 * the fleet's ring-0 clusters (ring label 0, as generateFleet labels them)
 * and registers it as a scrape target of the demo's Prometheus: the series
 * {@link DEMO_CHECK} reads, as an app's own exporter would serve them.
 */
export async function startDemoMetrics(prometheus: PrometheusInfo, clusters: number): Promise<DemoMetrics> {
  const exporter = await startMetricsExporter();
  const ring0 = Array.from({ length: clusters }, (_, i) => scenarioCluster(i)).filter((c) => c.labels.ring === '0');
  for (const c of ring0) exporter.setTraffic(c.name, { errorRatio: ERROR_RATIO, requestsPerScrape: REQUESTS_PER_SCRAPE });
  const unregister = await registerScrapeTarget(prometheus, 'demo', exporter.target).catch(async (err: unknown) => {
    await exporter.close();
    throw err;
  });
  const first = DEMO_CHECK.prometheus.replaceAll('${cluster.name}', clusterName(0));
  return {
    source: createPrometheusSource({ url: prometheus.url }),
    url: prometheus.url,
    async ready(signal) {
      signal.throwIfAborted();
      // Prometheus scrapes on its own clock: ask until the new target's rate shows (a file_sd refresh and two scrapes).
      const answered = waitForQuery(prometheus.url, first, (samples) => samples.length === 1 && Number.isFinite(samples[0]?.value));
      const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      await Promise.race([answered, aborted]);
    },
    async stop() {
      await unregister();
      await exporter.close();
    },
  };
}
