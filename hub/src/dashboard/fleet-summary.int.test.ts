import { canonicalBytes, storeLayout, type Digest, type ObjectStore } from '@driftless/core';
import { describe, expect, inject, it } from 'vitest';
import { useDashboardFixtures } from './testing/fixture-stores.js';
import { putStatus } from '../testing/rollout-fixture.js';
import { pointerOf } from '../testing/store-reads.js';
import { readPublishMarker, writePublishMarker } from '../state/hub-state.js';
import { createFleetSummary } from './fleet-summary.js';
import { fleetSummaryOf } from './fleet-view.js';
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
    const fleet = createFleetSummary({ store: seeded.store, clock: seeded.clock, refreshMs: 60_000 });
    const first = await fleet.snapshot();
    const documents = first.rows.filter((r) => r.phase !== 'Unknown').length + first.rows.filter((r) => r.desiredGeneration !== undefined).length;
    expect(fleet.counts).toEqual({ list: 1, get: documents, notModified: 0 });
    let before = { ...fleet.counts };
    await fleet.refresh();
    expect(delta(fleet.counts, before)).toEqual({ list: 1, get: 0, notModified: 0 });

    const cluster = seeded.canary[0] ?? '';
    const p = await pointerOf(seeded.store, cluster);
    await putStatus(seeded.store, cluster, 'Degraded', p.bundle as Digest, p.generation, 'Deployment/shop/web apply failed: boom');
    before = { ...fleet.counts };
    const next = await fleet.refresh();
    expect(delta(fleet.counts, before)).toEqual({ list: 1, get: 1, notModified: 0 });
    expect(next.rows.find((r) => r.cluster === cluster)).toMatchObject({ phase: 'Degraded', lastError: 'Deployment/shop/web apply failed: boom' });
  });

  it('on a file store, GETs only the one status that changed too (its listing carries ETags)', async () => {
    const seeded = await seedFleet({ store: await fileStore(), clusters: 8, scenario: 'progressing' });
    const fleet = createFleetSummary({ store: seeded.store, clock: seeded.clock, refreshMs: 60_000 });
    const first = await fleet.snapshot();
    expect(first.rows).toHaveLength(8);
    const cluster = seeded.clusters.find((c) => !seeded.canary.includes(c) && seeded.phases[c] !== undefined) ?? '';
    await putStatus(seeded.store, cluster, 'Failed', (seeded.rollout.clusters[cluster]?.to ?? '') as Digest, 1, 'it broke');
    const before = { ...fleet.counts };
    const next = await fleet.refresh();
    expect(delta(fleet.counts, before)).toEqual({ list: 1, get: 1, notModified: 0 });
    expect(next.rows.find((r) => r.cluster === cluster)?.phase).toBe('Failed');
  });

  it('drops a cluster whose documents are gone, and follows a new publish for rings and labels', async () => {
    const seeded = await seedFleet({ store: await fileStore(), clusters: 8, scenario: 'progressing' });
    const fleet = createFleetSummary({ store: seeded.store, clock: seeded.clock, refreshMs: 60_000 });
    const first = await fleet.snapshot();
    const gone = seeded.clusters.find((c) => !seeded.canary.includes(c) && seeded.phases[c] === 'Applied') ?? '';
    const moved = seeded.canary[0] ?? '';
    expect(first.rows.find((r) => r.cluster === moved)?.ring).toBe('canary');

    // The next publish no longer names `gone` and moves `moved` into ring rest with a new label; the hub deletes gone's documents.
    const marker = await readPublishMarker(seeded.store);
    const record = await readJson(seeded.store, storeLayout.revision(marker.revision ?? ''));
    const clusters = { ...(record['clusters'] as Record<string, unknown>) };
    delete clusters[gone];
    const rings = { ...(record['rings'] as Record<string, string>), [moved]: 'rest' };
    delete rings[gone];
    const labels = { ...(record['labels'] as Record<string, Record<string, string>>), [moved]: { tier: 'moved' } };
    delete labels[gone];
    const next = `${'f'.repeat(40)}`;
    await seeded.store.put(storeLayout.revision(next), canonicalBytes({ ...record, revision: next, clusters, rings, labels }));
    await writePublishMarker(seeded.store, marker, 'publish-2', next, seeded.clock);
    await seeded.store.delete(storeLayout.pointer(gone));
    await seeded.store.delete(storeLayout.status(gone));

    const after = await fleet.refresh();
    expect(after.rows.map((r) => r.cluster)).toEqual(seeded.clusters.filter((c) => c !== gone));
    expect(after.rows.find((r) => r.cluster === moved)).toMatchObject({ ring: 'rest', labels: { tier: 'moved' } });
  });

  it('refreshes at most every refreshMs, in the background: a request never waits for it, and concurrent ones share it', async () => {
    const seeded = await seedFleet({ store: await fileStore(), clusters: 4, scenario: 'progressing' });
    let gate = Promise.resolve();
    const store: ObjectStore = { ...seeded.store, list: async (prefix, o) => gate.then(() => seeded.store.list(prefix, o)) };
    const fleet = createFleetSummary({ store, clock: seeded.clock, refreshMs: 2000 });
    const [a, b, c] = await Promise.all([fleet.snapshot(), fleet.snapshot(), fleet.snapshot()]);
    expect([a === b, b === c, fleet.counts.list]).toEqual([true, true, 1]);
    await seeded.clock.advance(seeded.clock.now() + 1999);
    expect(await fleet.snapshot()).toBe(a);

    // Due now, and the store's listing held: the answer is the last snapshot, at once, while one refresh waits.
    let open = (): void => undefined;
    gate = new Promise((resolve) => (open = resolve));
    await seeded.clock.advance(seeded.clock.now() + 1);
    const cluster = seeded.canary[0] ?? '';
    const p = await pointerOf(seeded.store, cluster);
    await putStatus(seeded.store, cluster, 'Degraded', p.bundle as Digest, p.generation, 'boom');
    expect(await fleet.snapshot()).toBe(a);
    expect(await fleet.snapshot()).toBe(a);
    open();
    // invalidate() (what a change through the dashboard does): the next answer comes from a refresh started after it.
    fleet.invalidate();
    const fresh = await fleet.snapshot();
    expect(fresh.rows.find((r) => r.cluster === cluster)?.phase).toBe('Degraded');
    // The background refresh, then the one after invalidate(): one listing each.
    expect(fleet.counts.list).toBe(3);
  });
});

describe('the fleet summary when refreshes fail or run long', () => {
  it('keeps serving the last rows marked stale while the store fails, tries again one interval later, and drops the mark once it reads again', async () => {
    const seeded = await seedFleet({ store: await fileStore(), clusters: 4, scenario: 'progressing' });
    let failing = false;
    const store: ObjectStore = { ...seeded.store, list: async (prefix, o) => (failing ? Promise.reject(new Error('store unreachable')) : seeded.store.list(prefix, o)) };
    const failures: string[] = [];
    let failed = (): void => undefined;
    const fleet = createFleetSummary({ store, clock: seeded.clock, refreshMs: 2000, onRefreshFailed: (err) => (failures.push(err.message), failed()) });
    const first = await fleet.snapshot();
    expect(first.stale).toBeUndefined();

    failing = true;
    await seeded.clock.advance(seeded.clock.now() + 2000);
    const heard = new Promise<void>((resolve) => (failed = resolve));
    expect(await fleet.snapshot()).toBe(first);
    await heard;
    const stale = await fleet.snapshot();
    expect(stale.rows).toEqual(first.rows);
    expect(stale.stale).toEqual({ since: seeded.clock.now(), error: 'store unreachable' });
    // No new attempt within the interval, however many requests come.
    await fleet.snapshot();
    expect(failures).toEqual(['store unreachable']);
    expect(fleetSummaryOf(stale, {}).stale).toEqual({ since: new Date(seeded.clock.now()).toISOString(), error: 'store unreachable' });

    failing = false;
    const fresh = await fleet.refresh();
    expect(fresh.stale).toBeUndefined();
  });

  it('makes a reader wait only for the changes made before it asked, not for later ones', async () => {
    const seeded = await seedFleet({ store: await fileStore(), clusters: 4, scenario: 'progressing' });
    let gate = Promise.resolve();
    const store: ObjectStore = { ...seeded.store, list: async (prefix, o) => gate.then(() => seeded.store.list(prefix, o)) };
    const fleet = createFleetSummary({ store, clock: seeded.clock, refreshMs: 60_000 });
    await fleet.snapshot();
    let open = (): void => undefined;
    gate = new Promise((resolve) => (open = resolve));
    fleet.invalidate();
    const reader = fleet.snapshot().then(() => fleet.counts.list);
    // Another change while the reader's refresh runs: the reader does not wait for the refresh after it.
    fleet.invalidate();
    open();
    expect(await reader).toBe(2);
  });

  it('refreshes no more often than three times as long as the last refresh took', async () => {
    const seeded = await seedFleet({ store: await fileStore(), clusters: 4, scenario: 'progressing' });
    // Each listing takes 5 s of the virtual clock: a refresh takes 5 s.
    let listings = 0;
    const store: ObjectStore = {
      ...seeded.store,
      list: async (prefix, o) => {
        listings += 1;
        await seeded.clock.advance(seeded.clock.now() + 5000);
        return seeded.store.list(prefix, o);
      },
    };
    const fleet = createFleetSummary({ store, clock: seeded.clock, refreshMs: 2000 });
    await fleet.snapshot();
    await seeded.clock.advance(seeded.clock.now() + 14_999);
    await fleet.snapshot();
    expect(listings).toBe(1);
    await seeded.clock.advance(seeded.clock.now() + 1);
    await fleet.snapshot();
    expect(listings).toBe(2);
  });
});

async function readJson(store: ObjectStore, key: string): Promise<Record<string, unknown>> {
  const got = await store.get(key);
  if (got.kind !== 'found') throw new Error(`${key} read failed: ${got.kind}`);
  return JSON.parse(Buffer.from(got.body).toString('utf8')) as Record<string, unknown>;
}
