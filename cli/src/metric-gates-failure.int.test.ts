import { closedPort } from '@driftless/contracts';
import { createPrometheusSource } from '@driftless/prometheus';
import { describe, expect, it } from 'vitest';
import { START } from './testing/delivery-world.js';
import { ERROR_RATE_CHECK, ERROR_RATE_QUERY, forCluster, metricWorlds, uniqueClusters } from './testing/metric-world.js';

// Issue 13 item 5: what a failed check does to the fleet (onFailure: revert),
// and a Prometheus nobody can reach, against MinIO, git and the real Prometheus.
const metric = metricWorlds();

describe('a failed metric check with onFailure: revert', () => {
  it('moves the stateless clusters of the failed ring back to their last good bundle and leaves the one whose stateful app changed', async () => {
    const c = uniqueClusters('c0', 'c1a', 'c1db');
    const delivery = {
      mode: 'continuous-deployment',
      onFailure: 'revert',
      rings: [
        { name: 'ring-0', selector: { matchLabels: { ring: '0' } } },
        { name: 'ring-1', selector: {}, checks: ['error-rate'] },
      ],
      checks: [ERROR_RATE_CHECK],
    };
    const clusters = { [c.c0]: { ring: '0' }, [c.c1a]: { ring: '1' }, [c.c1db]: { ring: '1', db: 'yes' } };
    const ring1 = [c.c1a, c.c1db];
    const exporter = metric.exporter();
    for (const cl of ring1) exporter.setTraffic(cl, { errorRatio: 0.01 });
    for (const cl of ring1) await metric.until(forCluster(ERROR_RATE_QUERY, cl), (v) => v <= 0.02);

    // Release 1 goes everywhere while the error rate is healthy.
    const w = await metric.world({ clusters, delivery });
    await w.compile();
    await w.simulate(c.c0);
    expect(await w.controller().step()).toMatchObject({ moved: 2 });
    await w.simulate(...ring1);
    // ring-1 soaks at least its check's `for` (5 s) before the rollout completes.
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing' });
    await w.clock.advance(START + 5_000);
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
    const good = await w.pointer(c.c1a);

    // Release 2 changes both apps; c1a's error rate breaks once it runs it.
    await w.commit({ clusters, delivery, versions: { web: '2', db: '2' } }, 'web 2, db 2');
    await w.clock.advance(START + 10_000);
    await w.compile();
    await w.simulate(c.c0);
    expect(await w.controller().step()).toMatchObject({ moved: 2 });
    await w.simulate(...ring1);
    const fresh = (await w.pointer(c.c1db)).bundle;
    exporter.setTraffic(c.c1a, { errorRatio: 0.2 });
    await metric.until(forCluster(ERROR_RATE_QUERY, c.c1a), (v) => v > 0.02);
    await w.clock.advance(START + 11_000);
    expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', reverted: 0 });
    await w.clock.advance(START + 16_000);

    const halted = await w.controller().step();
    expect(halted).toMatchObject({ phase: 'Halted', reverted: 1, halted: { ring: 'ring-1' } });
    expect(halted.halted?.reason).toContain(`check error-rate failed in ring ring-1 (for 5s): ${c.c1a}`);
    expect((await w.pointer(c.c1a)).bundle).toBe(good.bundle);
    expect((await w.pointer(c.c1db)).bundle).toBe(fresh);
    expect((await w.audit.read()).find((e) => e.action === 'rollout.reverted')?.data).toMatchObject({ ring: 'ring-1', keptStateful: 1 });
  });
});

describe('a Prometheus nobody can reach', () => {
  it('waits (the check pending, never passed), then after progressDeadline fails the ring and halts with a reason naming the unreachable source', async () => {
    const c = uniqueClusters('c0', 'c1');
    const delivery = {
      mode: 'continuous-deployment',
      rings: [
        { name: 'ring-0', selector: { matchLabels: { ring: '0' } }, checks: ['error-rate'], progressDeadline: '30s' },
        { name: 'ring-1', selector: {} },
      ],
      checks: [ERROR_RATE_CHECK],
    };
    const url = `http://127.0.0.1:${await closedPort()}`;
    const w = await metric.world({ clusters: { [c.c0]: { ring: '0' }, [c.c1]: { ring: '1' } }, delivery }, createPrometheusSource({ url, backoffBaseMs: 1 }));
    expect(await w.compile()).toMatchObject({ rollout: { moved: 1, phase: 'Progressing' } });
    await w.simulate(c.c0);
    for (const at of [10_000, 29_000]) {
      await w.clock.advance(START + at);
      expect(await w.controller().step()).toMatchObject({ phase: 'Progressing', moved: 0 });
      const gate = (await w.controller().status())?.rollout.rings[0]?.gates.find((g) => g.gate === 'check:error-rate');
      expect(gate).toMatchObject({ state: 'pending', reason: expect.stringContaining(url) as string });
    }
    expect(await w.generations([c.c1])).toEqual({ [c.c1]: 0 });

    await w.clock.advance(START + 30_000);
    const halted = await w.controller().step();
    expect(halted).toMatchObject({ phase: 'Halted', moved: 0, halted: { ring: 'ring-0' } });
    expect(halted.halted?.reason).toContain(`${c.c0} query failing for 30s: prometheus at ${url} unreachable: ECONNREFUSED`);
    expect(await w.generations([c.c1])).toEqual({ [c.c1]: 0 });
  });
});
