import { describe, expect, it } from 'vitest';
import { runCli } from './testing/cli-run.js';
import { ERROR_RATE_CHECK, ERROR_RATE_QUERY, forCluster, metricWorlds, uniqueClusters } from './testing/metric-world.js';
import { START } from './testing/delivery-world.js';

// Issue 13 "Done when": DESIGN.md's three checks on ring-0, compiled from
// fleet.yaml by the real hub, read from the real Prometheus, with the real
// agent applying ring-0 into the kube-apiserver.
const metric = metricWorlds();
const LATENCY_QUERY = 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{cluster="${cluster.name}"}[5s])))';
const OVERRIDES_QUERY = 'human_overrides{cluster="${cluster.name}"}';

describe("DESIGN.md's three checks on ring-0, end to end", () => {
  it('passes ring-0 while the exporter reports healthy values, and `rollout status` prints each check against its threshold', async () => {
    const c = uniqueClusters('c0', 'c1');
    const delivery = {
      mode: 'continuous-delivery',
      rings: [
        { name: 'ring-0', selector: { matchLabels: { ring: '0' } }, maxFailures: 0, progressDeadline: '15m', checks: ['error-rate', 'latency-p50', 'overrides'] },
        { name: 'ring-1', selector: {}, approval: 'required' },
      ],
      checks: [
        ERROR_RATE_CHECK,
        { name: 'latency-p50', prometheus: LATENCY_QUERY, max: 0.25, for: '5s' },
        { name: 'overrides', prometheus: OVERRIDES_QUERY, max: 3 },
      ],
      onFailure: 'halt',
    };
    const exporter = metric.exporter();
    exporter.setTraffic(c.c0, { errorRatio: 0.01, latencySeconds: 0.04 });
    exporter.setOverrides(c.c0, 1);
    const errorRate = await metric.until(forCluster(ERROR_RATE_QUERY, c.c0), (v) => v > 0 && v <= 0.02);
    await metric.until(forCluster(LATENCY_QUERY, c.c0), (v) => v > 0 && v <= 0.25);
    await metric.until(forCluster(OVERRIDES_QUERY, c.c0), (v) => v === 1);
    expect(errorRate).toBeCloseTo(0.01, 3);

    const w = await metric.world({ clusters: { [c.c0]: { ring: '0' }, [c.c1]: { ring: '1' } }, delivery });
    expect(await w.compile()).toMatchObject({ rollout: { moved: 1, phase: 'Progressing' } });
    const real = w.realAgent(c.c0);
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 1 });
    // ring-0 soaks at least its checks' longest `for` (5 s) on healthy values, then awaits the approval of the last ring.
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 0 });
    await w.clock.advance(START + 5_000);
    expect(await w.controller().step()).toMatchObject({ phase: 'AwaitingApproval', moved: 0 });
    const settings = await real.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: `${w.ns}-web`, name: 'web-settings' });
    expect(settings?.['data']).toEqual({ version: '1', cluster: c.c0 });

    const ring0 = (await w.controller().status())?.rollout.rings[0];
    expect(ring0?.phase).toBe('Succeeded');
    expect(ring0?.gates.filter((g) => g.gate.startsWith('check:')).map((g) => [g.gate, g.state])).toEqual([
      ['check:error-rate', 'passed'],
      ['check:latency-p50', 'passed'],
      ['check:overrides', 'passed'],
    ]);
    const latest = (check: string) => ring0?.checks?.find((s) => s.check === check)?.history.at(-1)?.[1];

    const status = await runCli(['rollout', 'status', '--store', w.cliFlags.store]);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toContain(`check error-rate  ${String(latest('error-rate'))} (${c.c0}) within max 0.02`);
    expect(status.out).toContain(`check latency-p50  ${String(latest('latency-p50'))} (${c.c0}) within max 0.25`);
    expect(status.out).toContain(`check overrides  1 (${c.c0}) within max 3`);
    const json = JSON.parse((await runCli(['rollout', 'status', '--store', w.cliFlags.store, '--json'])).out) as { rings: { checks: { check: string; state: string }[] }[] };
    expect(json.rings[0]?.checks.map((k) => [k.check, k.state])).toEqual([
      ['error-rate', 'passed'],
      ['latency-p50', 'passed'],
      ['overrides', 'passed'],
    ]);

    expect(await w.controller().command({ kind: 'approve', ring: 'ring-1', actor: 'alice', reason: 'ring-0 healthy' })).toMatchObject({ moved: 1 });
    await w.simulate(c.c1);
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
  });
});
