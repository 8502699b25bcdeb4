import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from './testing/cli-run.js';
import { forCluster, metricWorlds, uniqueClusters } from './testing/metric-world.js';
import { START } from './testing/delivery-world.js';

// Issue 13 "Done when": the README's three checks (DESIGN.md's error rate,
// median latency and human overrides per hour) on ring-0, compiled from
// fleet.yaml by the real hub, read from the real Prometheus, with the real
// agent applying ring-0 into the kube-apiserver.
const metric = metricWorlds();

/** README.md's "Metric checks" example, character for character (the first assertion below holds the README to it). */
const README_CHECKS = [
  {
    name: 'error-rate',
    prometheus: 'sum(rate(http_requests_total{cluster="${cluster.name}",code=~"5.."}[1m])) / sum(rate(http_requests_total{cluster="${cluster.name}"}[1m]))',
    max: 0.02,
    for: '5m',
  },
  { name: 'latency-p50', prometheus: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{cluster="${cluster.name}"}[5m])))', max: 0.3, for: '5m' },
  { name: 'overrides', prometheus: 'sum(increase(human_overrides_total{cluster=~"${ring.clusters}"}[1h]))', aggregate: 'ring', max: 5, noData: 'pass' },
] as const;

// Only time is scaled, so a test takes seconds: the rate windows (1m, 5m) to 5s
// (five scrapes at Prometheus's 1 s interval), the overrides' hour to a minute
// (longer than the test), and `for: 5m` to 5s. Queries, thresholds, aggregate and noData are the README's.
const WINDOWS: Record<string, string> = { '[1m]': '[5s]', '[5m]': '[5s]', '[1h]': '[1m]' };
const CHECKS = README_CHECKS.map((c) => ({
  ...c,
  prometheus: c.prometheus.replace(/\[(1m|5m|1h)\]/g, (w) => WINDOWS[w] ?? w),
  ...('for' in c ? { for: '5s' } : {}),
}));
const query = (name: string): string => CHECKS.find((c) => c.name === name)?.prometheus ?? '';
const OVERRIDES_QUERY = query('overrides');

/** ring-0 (c0, c1) gated by the three checks, ring-1 (c2) after it awaiting approval; c0 and c1 serve healthy traffic, seen by Prometheus. */
async function designWorld() {
  const c = uniqueClusters('c0', 'c1', 'c2');
  const delivery = {
    mode: 'continuous-delivery',
    rings: [
      { name: 'ring-0', selector: { matchLabels: { ring: '0' } }, maxFailures: 0, progressDeadline: '15m', checks: ['error-rate', 'latency-p50', 'overrides'] },
      { name: 'ring-1', selector: {}, approval: 'required' },
    ],
    checks: CHECKS,
    onFailure: 'halt',
  };
  const exporter = metric.exporter();
  for (const cluster of [c.c0, c.c1]) {
    exporter.setTraffic(cluster, { errorRatio: 0.01, latencySeconds: 0.04 });
    const errorRate = await metric.until(forCluster(query('error-rate'), cluster), (v) => v > 0 && v <= 0.02);
    expect(errorRate).toBeCloseTo(0.01, 3);
    await metric.until(forCluster(query('latency-p50'), cluster), (v) => v > 0 && v <= 0.3);
  }
  const w = await metric.world({ clusters: { [c.c0]: { ring: '0' }, [c.c1]: { ring: '0' }, [c.c2]: { ring: '1' } }, delivery });
  /** The overrides query as the controller sends it for ring-0: `${ring.clusters}` is its clusters joined by `|`. */
  const ringOverrides = OVERRIDES_QUERY.replace('${ring.clusters}', `${c.c0}|${c.c1}`);
  return { w, c, exporter, ringOverrides };
}

describe("the README's three checks on ring-0, end to end", () => {
  it('are the checks README.md shows', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const c of README_CHECKS) expect(readme).toContain(`prometheus: '${c.prometheus}'`);
  });

  it('pass ring-0 while the exporter reports healthy values (no override yet passes, then one per ring), and `rollout status` prints each check against its threshold', async () => {
    const { w, c, exporter, ringOverrides } = await designWorld();
    expect(await w.compile()).toMatchObject({ rollout: { moved: 2, phase: 'Progressing' } });
    const real = w.realAgent(c.c0);
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 1 });
    await w.simulate(c.c1);
    // No override counted yet: the ring's query has no series, which noData: pass counts as within the threshold.
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 0 });
    const overridesOf = async () => (await w.controller().status())?.rollout.rings[0]?.checks?.find((s) => s.check === 'overrides');
    expect((await overridesOf())?.history.at(-1)?.slice(1)).toEqual([null, 'ring-0']);

    // One override in the ring: judged over the ring as a whole, its subject is the ring.
    exporter.addOverrides(c.c1, 1);
    await metric.until(ringOverrides, (v) => v >= 1);
    // ring-0 soaks at least its checks' longest `for` (5 s) on healthy values, then awaits the approval of the last ring.
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
    const latest = (check: string) => ring0?.checks?.find((s) => s.check === check)?.history.at(-1);
    const overrides = latest('overrides');
    expect(overrides?.[2]).toBe('ring-0');
    expect(overrides?.[1]).toBeGreaterThanOrEqual(1);
    expect(overrides?.[1]).toBeLessThanOrEqual(5);

    const status = await runCli(['rollout', 'status', '--store', w.cliFlags.store]);
    expect(status.code, status.err).toBe(0);
    const line = (check: string, max: number) => `check ${check}  ${String(latest(check)?.[1])} (${String(latest(check)?.[2])}) within max ${max}`;
    expect([c.c0, c.c1]).toContain(latest('error-rate')?.[2]);
    expect(status.out).toContain(line('error-rate', 0.02));
    expect(status.out).toContain(line('latency-p50', 0.3));
    expect(status.out).toContain(line('overrides', 5));
    const json = JSON.parse((await runCli(['rollout', 'status', '--store', w.cliFlags.store, '--json'])).out) as { rings: { checks: { check: string; state: string }[] }[] };
    expect(json.rings[0]?.checks.map((k) => [k.check, k.state])).toEqual([
      ['error-rate', 'passed'],
      ['latency-p50', 'passed'],
      ['overrides', 'passed'],
    ]);

    expect(await w.controller().command({ kind: 'approve', ring: 'ring-1', actor: 'alice', reason: 'ring-0 healthy' })).toMatchObject({ moved: 1 });
    await w.simulate(c.c2);
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
  });

  it('halts at the first evaluation that sees more than 5 overrides in the ring, the halt naming the ring and the query sent for its clusters', async () => {
    const { w, c, exporter, ringOverrides } = await designWorld();
    exporter.addOverrides(c.c0, 4);
    exporter.addOverrides(c.c1, 2);
    await metric.until(ringOverrides, (v) => v > 5);
    // The compile's step moves ring-0 and judges it at once: the first evaluation halts (no `for`).
    expect(await w.compile()).toMatchObject({ rollout: { moved: 2, phase: 'Halted' } });
    const halted = (await w.controller().status())?.rollout;
    expect(halted).toMatchObject({ phase: 'Halted', halt: { actor: 'hub', ring: 'ring-0', automatic: true } });
    expect(halted?.halt?.reason).toMatch(/^check overrides failed in ring ring-0.*: ring-0 \d+(\.\d+)? > max 5/);
    await w.simulate(c.c0, c.c1);
    expect(await w.controller().step()).toMatchObject({ phase: 'Halted', moved: 0 });
    expect(await w.generations([c.c2])).toEqual({ [c.c2]: 0 });

    const entry = (await w.audit.read()).find((e) => e.action === 'rollout.halted');
    expect(entry?.data).toMatchObject({ ring: 'ring-0', check: 'overrides', aggregate: 'ring', rings: [{ ring: 'ring-0' }], threshold: { max: 5 }, query: OVERRIDES_QUERY });
    const queries = (entry?.data as { queries?: string }).queries;
    expect(queries).toBe(ringOverrides);
    expect(queries).toContain(`{cluster=~"${c.c0}|${c.c1}"}`);
  });
});
