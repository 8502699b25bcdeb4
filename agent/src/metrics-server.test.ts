import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer } from './metrics-server.js';
import type { PassResult } from './pass-result.js';
import { prometheusMetrics } from './prometheus-metrics.js';

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

const pass: PassResult = {
  poll: 'changed',
  phase: 'Applied',
  generation: 7,
  statusWritten: true,
  outcome: { applied: 3, unchanged: 1, drifted: 1, pruned: 2, failed: [], notReady: [], degraded: [] },
};

describe('agent metrics', () => {
  it('serves Prometheus metrics, /healthz, and /readyz once a pass has run', async () => {
    const metrics = prometheusMetrics('c1');
    const server = await startMetricsServer('127.0.0.1:0', metrics);
    servers.push(server);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    metrics.observePass(pass, 1500);
    metrics.observePass({ ...pass, poll: 'not-modified', outcome: { ...pass.outcome!, applied: 0, drifted: 0, pruned: 0 } }, 200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('driftless_agent_polls_total{result="changed",cluster="c1"} 1');
    expect(text).toContain('driftless_agent_polls_total{result="not-modified",cluster="c1"} 1');
    expect(text).toContain('driftless_agent_objects_total{action="pruned",cluster="c1"} 2');
    expect(text).toContain('driftless_agent_objects_total{action="drift_corrected",cluster="c1"} 1');
    expect(text).toContain('driftless_agent_applied_generation{cluster="c1"} 7');
    expect(text).toContain('driftless_agent_reconcile_duration_seconds_count{cluster="c1"} 2');
  });
});
