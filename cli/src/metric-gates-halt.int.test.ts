import { describe, expect, it } from 'vitest';
import { START } from './testing/delivery-world.js';
import { ERROR_RATE_CHECK, ERROR_RATE_QUERY, forCluster, metricWorlds, uniqueClusters } from './testing/metric-world.js';

// Issue 13 item 5: a check's breach, blip and recovery, measured on the real
// Prometheus scraping the test exporter; the controllers step on a virtual
// clock at chosen times once Prometheus shows the value the test drove.
const metric = metricWorlds();
const BREACH = 0.1;
const HEALTHY = 0.01;

/** ring-0 (c0) gated by the error-rate check (above 2 % for 5 s); ring-1 (c1) after it. */
async function gatedWorld() {
  const c = uniqueClusters('c0', 'c1');
  const delivery = {
    mode: 'continuous-deployment',
    rings: [
      { name: 'ring-0', selector: { matchLabels: { ring: '0' } }, checks: ['error-rate'] },
      { name: 'ring-1', selector: {} },
    ],
    checks: [ERROR_RATE_CHECK],
  };
  const w = await metric.world({ clusters: { [c.c0]: { ring: '0' }, [c.c1]: { ring: '1' } }, delivery });
  const errorRate = forCluster(ERROR_RATE_QUERY, c.c0);
  /** Drives c0's error ratio to `ratio` and resolves once Prometheus shows it on the `above` side of the threshold. */
  const drive = (ratio: number) => {
    metric.exporter().setTraffic(c.c0, { errorRatio: ratio });
    return metric.until(errorRate, (v) => (ratio > 0.02 ? v > 0.02 : v <= 0.02));
  };
  return { w, c, errorRate, drive };
}

/** A breach seen at compile (START) and held past `for`: the step at START+5s halts. */
async function haltedOnBreach() {
  const g = await gatedWorld();
  await g.drive(BREACH);
  expect(await g.w.compile()).toMatchObject({ rollout: { moved: 1, phase: 'Progressing' } });
  await g.w.simulate(g.c.c0);
  await g.w.clock.advance(START + 4_000);
  expect(await g.w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 0 });
  await g.w.clock.advance(START + 5_000);
  const halted = await g.w.controller().step();
  return { ...g, halted };
}

describe('a metric check against the real Prometheus', () => {
  it('halts the rollout once a breach has held for `for`; the halt and its audit entry name check, cluster, value, threshold and query', async () => {
    const { w, c, errorRate, halted } = await haltedOnBreach();
    expect(halted).toMatchObject({ phase: 'Halted', moved: 0, halted: { actor: 'hub', ring: 'ring-0' } });
    expect(halted.halted?.reason).toMatch(new RegExp(`^check error-rate failed in ring ring-0 \\(for 5s\\): ${c.c0} 0\\.\\d+ > max 0\\.02 for 5s`));
    expect(await w.generations([c.c1])).toEqual({ [c.c1]: 0 });

    const entry = (await w.audit.read()).find((e) => e.action === 'rollout.halted');
    expect(entry?.data).toEqual({
      ring: 'ring-0',
      check: 'error-rate',
      aggregate: 'cluster',
      clusters: [{ cluster: c.c0, value: expect.any(Number) as number }],
      threshold: { max: 0.02 },
      for: '5s',
      query: ERROR_RATE_QUERY,
      queries: errorRate,
    });
    const value = (entry?.data as { clusters: { value: number }[] }).clusters[0]?.value ?? 0;
    expect(value).toBeGreaterThan(0.02);
    expect(halted.halted?.reason).toContain(`${c.c0} ${value} > max 0.02`);
    // Halted: no step moves ring-1, however much later.
    await w.clock.advance(START + 65_000);
    expect(await w.controller().step()).toMatchObject({ phase: 'Halted', moved: 0 });
  });

  it('lets a blip pass: a breach gone at the next step, within `for`, does not halt, and the ring goes on to succeed', async () => {
    const { w, c, drive } = await gatedWorld();
    await drive(BREACH);
    expect(await w.compile()).toMatchObject({ rollout: { moved: 1, phase: 'Progressing' } });
    await w.simulate(c.c0);
    // Breaching, within `for`: ring-1 stays closed.
    await w.clock.advance(START + 2_000);
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 0 });
    const breaching = (await w.controller().status())?.rollout.rings[0]?.checks?.[0]?.subjects[c.c0];
    expect(breaching?.breachingSince).toBe(new Date(START).toISOString());

    await drive(HEALTHY);
    await w.clock.advance(START + 4_000);
    // Within the threshold again; the ring soaks at least the check's `for` (5 s from +2 s) before ring-1 opens.
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 0 });
    await w.clock.advance(START + 7_000);
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 1 });
    await w.clock.advance(START + 14_000);
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 0 });
    await w.simulate(c.c1);
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
    expect(await w.auditActions()).not.toContain('rollout.halted');
    const state = (await w.controller().status())?.rollout.rings[0]?.checks?.[0];
    // The blip is on record: breaching values, then values within the threshold.
    const values = (state?.history ?? []).map(([, v]) => v as number);
    expect(values.slice(0, 2).every((v) => v > 0.02)).toBe(true);
    expect(values.slice(2).every((v) => v <= 0.02)).toBe(true);
  });

  it('continues to Completed after the values recover and a person resumes', async () => {
    const { w, c, drive, halted } = await haltedOnBreach();
    expect(halted).toMatchObject({ phase: 'Halted' });
    await drive(HEALTHY);
    await w.clock.advance(START + 6_000);
    // Resumed: ring-0 soaks its check's `for` (5 s) again on healthy values, then ring-1 opens.
    expect(await w.controller().command({ kind: 'resume', actor: 'bob', reason: 'bad config rolled back' })).toMatchObject({ phase: 'Progressing', moved: 0 });
    await w.clock.advance(START + 11_000);
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 1 });
    expect(await w.generations([c.c1])).toEqual({ [c.c1]: 1 });
    await w.simulate(c.c1);
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
    expect(await w.auditActions()).toEqual(expect.arrayContaining(['rollout.halted', 'rollout.resumed', 'rollout.completed']));
  });
});
