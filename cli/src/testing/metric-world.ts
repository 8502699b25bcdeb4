import { uniqueName } from '@driftless/contracts';
import type { MetricSource } from '@driftless/core';
import { createPrometheusSource } from '@driftless/prometheus';
import { registerScrapeTarget, startMetricsExporter, waitForQuery, type MetricsExporter } from '@driftless/testkit';
import { afterAll, beforeAll, inject } from 'vitest';
import { deliveryWorlds } from './delivery-world.js';
import type { DeliveryFleetShape } from './delivery-fleet.js';

/** DESIGN.md's error-rate check, its rate windows scaled from 1m to 5s. */
export const ERROR_RATE_QUERY = 'sum(rate(http_requests_total{cluster="${cluster.name}",code=~"5.."}[5s])) / sum(rate(http_requests_total{cluster="${cluster.name}"}[5s]))';

/** The error-rate check of DESIGN.md in seconds: above 2 % for 5 s. */
export const ERROR_RATE_CHECK = { name: 'error-rate', prometheus: ERROR_RATE_QUERY, max: 0.02, for: '5s' } as const;

/** `query` with `${cluster.name}` substituted, as the controller sends it for `cluster`. */
export function forCluster(query: string, cluster: string): string {
  return query.replaceAll('${cluster.name}', cluster);
}

/**
 * Call at a test file's top level: delivery worlds (see deliveryWorlds) whose
 * hub and controllers read their checks from the integration environment's
 * real Prometheus, and one test exporter it scrapes for the whole file. The
 * controllers' `now` is the world's VirtualClock; the values are whatever
 * Prometheus answers, so a test drives the exporter, waits (`until`) for
 * Prometheus to show the new value, then steps at a virtual time it chooses.
 */
export function metricWorlds() {
  const env = inject('driftlessEnv');
  const world = deliveryWorlds();
  let exporter: MetricsExporter | undefined;
  let unregister: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    exporter = await startMetricsExporter();
    unregister = await registerScrapeTarget(env.prometheus, uniqueName('delivery-checks'), exporter.target);
  });
  afterAll(async () => {
    await unregister?.();
    await exporter?.close();
  });
  const prometheus = createPrometheusSource({ url: env.prometheus.url });
  return {
    /** A delivery world whose checks read `metrics` (default: the real Prometheus). */
    world: (shape: DeliveryFleetShape, metrics: MetricSource = prometheus) => world(shape, { metrics }),
    /** The file's test exporter (cluster names are unique per test, so tests never read each other's series). */
    exporter(): MetricsExporter {
      if (!exporter) throw new Error('the test exporter starts in beforeAll');
      return exporter;
    },
    /** Resolves with the value once Prometheus answers `promql` with one sample for which `holds` is true. */
    async until(promql: string, holds: (value: number) => boolean): Promise<number> {
      const samples = await waitForQuery(env.prometheus.url, promql, (s) => s.length === 1 && holds(s[0]?.value ?? Number.NaN));
      return samples[0]?.value ?? Number.NaN;
    },
  };
}

/** `n` cluster names unique to this test (Prometheus and its exporter are shared by the file). */
export function uniqueClusters<const K extends string>(...keys: K[]): Record<K, string> {
  return Object.fromEntries(keys.map((k) => [k, uniqueName(k)])) as Record<K, string>;
}
