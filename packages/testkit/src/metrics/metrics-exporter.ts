import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Steady traffic of one cluster: added at every scrape, so `rate(…[5s])` shows it within seconds. */
export interface Traffic {
  /** Share of requests answered 500, in [0, 1]. */
  readonly errorRatio: number;
  /** Duration of every request, seconds (default 0.05). */
  readonly latencySeconds?: number;
  /** Requests added per scrape (default 1000, so a ratio is exact to 0.001). */
  readonly requestsPerScrape?: number;
}

/** Requests to add at once. */
export interface RecordedRequests {
  /** HTTP status code label (default 200). */
  readonly code?: number;
  /** How many (default 1). */
  readonly count?: number;
  /** Duration of each, seconds (default 0.05). */
  readonly latencySeconds?: number;
}

/** A running test exporter. */
export interface MetricsExporter {
  /** `127.0.0.1:PORT`, the scrape target (metrics at `/metrics`). */
  readonly target: string;
  /** Replaces `cluster`'s steady traffic (added at every scrape until changed or stopped). */
  setTraffic(cluster: string, traffic: Traffic): void;
  /** Stops `cluster`'s steady traffic (its counters keep their totals). */
  stopTraffic(cluster: string): void;
  /** Adds requests to `cluster`'s counters and histogram now. */
  record(cluster: string, requests: RecordedRequests): void;
  /** Sets the `human_overrides{cluster}` gauge. */
  setOverrides(cluster: string, value: number): void;
  /**
   * Adds `n` to the `human_overrides_total{cluster}` counter. A cluster's
   * first call creates its counter at 0 and adds `n` only after a scrape
   * served that 0: Prometheus's `increase()` does not count a series' first
   * sample, so overrides present from the start would never show.
   */
  addOverrides(cluster: string, n: number): void;
  /** Scrapes served so far. */
  readonly scrapes: number;
  close(): Promise<void>;
}

const DEFAULT_LATENCY_S = 0.05;

/**
 * Starts an HTTP exporter on a loopback port (prom-client, its own registry)
 * with per-cluster series tests drive: the counter
 * `http_requests_total{cluster,code}`, the histogram
 * `http_request_duration_seconds{cluster}`, the counter
 * `human_overrides_total{cluster}` and the gauge `human_overrides{cluster}`. Served with the Prometheus text Content-Type,
 * which Prometheus 3 requires. Register it with `registerScrapeTarget`.
 */
export async function startMetricsExporter(): Promise<MetricsExporter> {
  const registry = new Registry();
  const requests = new Counter({ name: 'http_requests_total', help: 'Requests served, by cluster and status code.', labelNames: ['cluster', 'code'], registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Request duration, by cluster.',
    labelNames: ['cluster'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const overrides = new Gauge({ name: 'human_overrides', help: 'Human overrides of the rollout, by cluster.', labelNames: ['cluster'], registers: [registry] });
  const overridesTotal = new Counter({ name: 'human_overrides_total', help: 'Human overrides of the rollout counted, by cluster.', labelNames: ['cluster'], registers: [registry] });
  // Overrides of clusters whose counter no scrape has served yet, added at the scrape after the one that serves its 0.
  const pendingOverrides = new Map<string, number>();
  const servedOverrides = new Set<string>();
  const traffic = new Map<string, Traffic>();
  let scrapes = 0;

  const record = (cluster: string, r: RecordedRequests): void => {
    const count = r.count ?? 1;
    if (count <= 0) return;
    requests.inc({ cluster, code: String(r.code ?? 200) }, count);
    for (let i = 0; i < count; i++) duration.observe({ cluster }, r.latencySeconds ?? DEFAULT_LATENCY_S);
  };
  const tick = (): void => {
    for (const [cluster, t] of traffic) {
      const total = t.requestsPerScrape ?? 1_000;
      const errors = Math.round(total * Math.min(Math.max(t.errorRatio, 0), 1));
      const latencySeconds = t.latencySeconds ?? DEFAULT_LATENCY_S;
      record(cluster, { code: 500, count: errors, latencySeconds });
      record(cluster, { code: 200, count: total - errors, latencySeconds });
    }
    for (const [cluster, n] of pendingOverrides) {
      if (!servedOverrides.has(cluster)) continue;
      overridesTotal.inc({ cluster }, n);
      pendingOverrides.delete(cluster);
    }
  };
  const addOverrides = (cluster: string, n: number): void => {
    if (servedOverrides.has(cluster)) {
      overridesTotal.inc({ cluster }, n);
      return;
    }
    overridesTotal.inc({ cluster }, 0);
    pendingOverrides.set(cluster, (pendingOverrides.get(cluster) ?? 0) + n);
  };

  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes += 1;
    tick();
    // Every counter created so far is in this scrape's text.
    for (const cluster of pendingOverrides.keys()) servedOverrides.add(cluster);
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    setTraffic: (cluster, t) => void traffic.set(cluster, t),
    stopTraffic: (cluster) => void traffic.delete(cluster),
    record,
    setOverrides: (cluster, value) => overrides.set({ cluster }, value),
    addOverrides,
    get scrapes() {
      return scrapes;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
