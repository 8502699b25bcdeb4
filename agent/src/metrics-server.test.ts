import { VirtualClock } from '@driftless/fakes';
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
    const metrics = prometheusMetrics('c1', { clock: new VirtualClock(0), intervalMs: 30_000 });
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

  it('answers /healthz 503 once no pass has completed for three intervals (on the injected clock), 200 again after one', async () => {
    const clock = new VirtualClock(0);
    const metrics = prometheusMetrics('c1', { clock, intervalMs: 30_000 });
    const server = await startMetricsServer('127.0.0.1:0', metrics);
    servers.push(server);
    const healthz = async (): Promise<[number, string]> => {
      const res = await fetch(`${server.url}/healthz`);
      return [res.status, await res.text()];
    };
    expect(await healthz()).toEqual([200, 'ok\n']);
    await clock.advance(90_000);
    expect((await healthz())[0]).toBe(200);
    // A first pass that hangs: no pass has completed since the start, three intervals ago.
    await clock.advance(90_001);
    expect(await healthz()).toEqual([503, 'no pass completed for 90s, no Kubernetes request completed for 90s (3 intervals of 30s)\n']);
    metrics.observePass(pass, 1500);
    expect((await healthz())[0]).toBe(200);
    await clock.advance(180_002);
    expect((await healthz())[0]).toBe(503);
  });

  it('after a backoff pause longer than three intervals, fails /healthz only once that pause and two more intervals passed', async () => {
    const clock = new VirtualClock(0);
    const metrics = prometheusMetrics('c1', { clock, intervalMs: 30_000 });
    const server = await startMetricsServer('127.0.0.1:0', metrics);
    servers.push(server);
    metrics.observePass({ ...pass, phase: 'Failed', error: 'x' }, 100);
    metrics.observePause?.(300_000);
    await clock.advance(360_000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await clock.advance(360_001);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
  });
});
