import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PassResult } from './agent.js';

/** What the agent reports after each pass; prometheus or nothing. */
export interface AgentMetrics {
  observePass(result: PassResult | 'standby', durationMs: number): void;
}

/** The agent's Prometheus metrics, in their own registry (no global state). */
export function prometheusMetrics(cluster: string): AgentMetrics & { readonly registry: Registry; ready(): boolean } {
  const registry = new Registry();
  registry.setDefaultLabels({ cluster });
  const polls = new Counter({ name: 'driftless_agent_polls_total', help: 'Pointer polls by result.', labelNames: ['result'] as const, registers: [registry] });
  const duration = new Histogram({
    name: 'driftless_agent_reconcile_duration_seconds',
    help: 'Duration of reconcile passes.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const objects = new Counter({ name: 'driftless_agent_objects_total', help: 'Objects applied, pruned and drift-corrected.', labelNames: ['action'] as const, registers: [registry] });
  const desired = new Gauge({ name: 'driftless_agent_desired_generation', help: 'Generation of the pointer last read.', registers: [registry] });
  const applied = new Gauge({ name: 'driftless_agent_applied_generation', help: 'Generation last applied completely.', registers: [registry] });
  const leader = new Gauge({ name: 'driftless_agent_leader', help: '1 while this pod holds the lease (or runs without election).', registers: [registry] });
  for (const r of ['not-modified', 'changed', 'none', 'error']) polls.inc({ result: r }, 0);
  for (const a of ['applied', 'pruned', 'drift_corrected']) objects.inc({ action: a }, 0);
  let passed = false;
  return {
    registry,
    ready: () => passed,
    observePass(result, durationMs) {
      passed = true;
      if (result === 'standby') {
        leader.set(0);
        return;
      }
      leader.set(1);
      polls.inc({ result: result.poll });
      duration.observe(durationMs / 1000);
      if (result.generation !== undefined) desired.set(result.generation);
      if (result.outcome) {
        objects.inc({ action: 'applied' }, result.outcome.applied);
        objects.inc({ action: 'pruned' }, result.outcome.pruned);
        objects.inc({ action: 'drift_corrected' }, result.outcome.drifted);
        if (result.phase === 'Applied' && result.generation !== undefined) applied.set(result.generation);
      }
    },
  };
}

/**
 * Serves `/metrics` (Prometheus text), `/healthz` (the process answers) and
 * `/readyz` (200 once a first pass has run, 503 before) on `host:port`.
 */
export async function startMetricsServer(addr: string, metrics: { registry: Registry; ready(): boolean }): Promise<Server & { url: string }> {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i) || '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  const server = createServer((req, res) => {
    if (req.url === '/healthz') res.writeHead(200).end('ok\n');
    else if (req.url === '/readyz') res.writeHead(metrics.ready() ? 200 : 503).end(metrics.ready() ? 'ok\n' : 'no pass yet\n');
    else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const a = server.address() as AddressInfo;
  return Object.assign(server, { url: `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` });
}
