import type { Digest } from '@driftless/core';
import { describe, expect, inject, it } from 'vitest';
import { useDashboardFixtures } from './testing/fixture-stores.js';
import { putStatus } from '../testing/rollout-fixture.js';
import { pointerOf } from '../testing/store-reads.js';
import { createFleetSummary } from './fleet-summary.js';
import { seedFleet } from './testing/seed-fleet.js';

const env = inject('driftlessEnv');
const { fileStore, minio } = useDashboardFixtures(env);

const delta = (after: { list: number; get: number; notModified: number }, before: { list: number; get: number; notModified: number }) => ({
  list: after.list - before.list,
  get: after.get - before.get,
  notModified: after.notModified - before.notModified,
});

describe('the incremental fleet summary', () => {
  it('on MinIO, GETs only the one status that changed since the last refresh', async () => {
    const seeded = await seedFleet({ store: minio(), clusters: 16, scenario: 'progressing' });
    const fleet = createFleetSummary({ store: seeded.store, clock: seeded.clock, refreshMs: 0 });
    const first = await fleet.snapshot();
    const documents = first.rows.filter((r) => r.phase !== 'Unknown').length + first.rows.filter((r) => r.desiredGeneration !== undefined).length;
    expect(fleet.counts).toEqual({ list: 1, get: documents, notModified: 0 });
    let before = { ...fleet.counts };
    await fleet.snapshot();
    expect(delta(fleet.counts, before)).toEqual({ list: 1, get: 0, notModified: 0 });

    const cluster = seeded.canary[0] ?? '';
    const p = await pointerOf(seeded.store, cluster);
    await putStatus(seeded.store, cluster, 'Degraded', p.bundle as Digest, p.generation, 'Deployment/shop/web apply failed: boom');
    before = { ...fleet.counts };
    const next = await fleet.snapshot();
    expect(delta(fleet.counts, before)).toEqual({ list: 1, get: 1, notModified: 0 });
    expect(next.rows.find((r) => r.cluster === cluster)).toMatchObject({ phase: 'Degraded', lastError: 'Deployment/shop/web apply failed: boom' });
  });

  it('on a file store (no ETags in its listing), reads unchanged documents with If-None-Match: no body', async () => {
    const seeded = await seedFleet({ store: await fileStore(), clusters: 8, scenario: 'progressing' });
    const fleet = createFleetSummary({ store: seeded.store, clock: seeded.clock, refreshMs: 0 });
    const first = await fleet.snapshot();
    const documents = fleet.counts.get;
    expect(first.rows).toHaveLength(8);
    const cluster = seeded.clusters.find((c) => !seeded.canary.includes(c)) ?? '';
    await putStatus(seeded.store, cluster, 'Failed', (seeded.rollout.clusters[cluster]?.to ?? '') as Digest, 1, 'it broke');
    const before = { ...fleet.counts };
    const next = await fleet.snapshot();
    const added = seeded.phases[cluster] === undefined ? 1 : 0;
    expect(delta(fleet.counts, before)).toEqual({ list: 1, get: 1, notModified: documents - 1 + added });
    expect(next.rows.find((r) => r.cluster === cluster)?.phase).toBe('Failed');
  });

  it('refreshes at most every refreshMs, and concurrent requests share one refresh', async () => {
    const seeded = await seedFleet({ store: await fileStore(), clusters: 4, scenario: 'progressing' });
    const fleet = createFleetSummary({ store: seeded.store, clock: seeded.clock, refreshMs: 2000 });
    const [a, b, c] = await Promise.all([fleet.snapshot(), fleet.snapshot(), fleet.snapshot()]);
    expect([a === b, b === c, fleet.counts.list]).toEqual([true, true, 1]);
    await seeded.clock.advance(seeded.clock.now() + 1999);
    expect(await fleet.snapshot()).toBe(a);
    expect(fleet.counts.list).toBe(1);
    await seeded.clock.advance(seeded.clock.now() + 1);
    expect(await fleet.snapshot()).not.toBe(a);
    expect(fleet.counts.list).toBe(2);
  });
});
