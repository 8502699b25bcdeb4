import { randomUUID } from 'node:crypto';
import { storeLayout, type Digest, type ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet, s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { deliveryOverride as delivery } from '../testing/compile-with-delivery.js';
import { createHub } from '../hub.js';
import { digestOf, failingPointerPut, planOf, putFreeze, putStatus, releaseOf, revisionOf } from '../testing/rollout-fixture.js';
import { pointedDigests, pointerOf } from '../testing/store-reads.js';
import { auditRecorder, testRolloutMachine } from '../testing/test-rollout-machine.js';
import { unitHubDeps, withoutKustomize } from '../testing/unit-hub.js';
import { createRolloutController } from './rollout-controller.js';
import { readCurrentRolloutDocument, readRollout } from './rollout-store.js';

// spec.delivery is parsed from fleet.yaml by another part of issue 12: here it is set by hand.
vi.mock('../compile.js', async (orig) => (await import('../testing/compile-with-delivery.js')).compileWithDelivery(orig));

const env = inject('driftlessEnv');
const destroys: (() => void)[] = [];
afterAll(() => destroys.forEach((d) => d()));

function s3(): ObjectStore {
  const store = s3StoreFor(env, uniqueName('rollout'));
  destroys.push(() => store.destroy());
  return store;
}

const CLUSTERS = ['eu-stg-001', 'eu-prod-001', 'us-prod-001'];

/** The fixture fleet in a memory repository, a hub publishing to MinIO with delivery in two rings (staging, then prod). */
function setup() {
  delivery.current = { plan: planOf('ring-0', 'ring-1'), ringOf: new Map([['eu-stg-001', 0], ['eu-prod-001', 1], ['us-prod-001', 1]]), statefulKeys: new Map() };
  const store = s3();
  const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
  const repo = new MemoryRepository();
  repo.commit(withoutKustomize(fixtureFleet()), 'first');
  const audit = auditRecorder();
  const hub = createHub(unitHubDeps({ source: repo, store, clock, machine: testRolloutMachine, audit }));
  const controller = (s: ObjectStore = store) => createRolloutController({ store: s, clock, machine: testRolloutMachine, audit, newId: randomUUID });
  return { store, repo, audit, controller, compile: () => hub.compile({ repo: repo.url }) };
}

describe('rollout controller against MinIO', () => {
  it("compile moves ring 0's pointers only; a step after they report Applied moves ring 1", async () => {
    const { store, controller, compile } = setup();
    expect((await compile()).rollout).toMatchObject({ moved: 1 });
    expect(await pointedDigests(store, ['eu-prod-001', 'us-prod-001'])).toEqual({ 'eu-prod-001': 'none', 'us-prod-001': 'none' });
    const stg = await pointerOf(store, 'eu-stg-001');
    expect(await controller().step()).toMatchObject({ moved: 0, changed: false });
    await putStatus(store, 'eu-stg-001', 'Applied', stg.bundle as Digest, stg.generation);
    expect(await controller().step()).toMatchObject({ moved: 2, changed: true });
    for (const c of CLUSTERS) expect((await pointerOf(store, c)).generation).toBe(1);
  });

  it('lets two racing steps each win no version twice: every pointer moves exactly once', async () => {
    const store = s3();
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const audit = auditRecorder();
    const controller = () => createRolloutController({ store, clock, machine: testRolloutMachine, audit, newId: randomUUID });
    const v1 = digestOf('1');
    const clusters = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c-${String(i).padStart(2, '0')}`, i < 2 ? 0 : 1]));
    await controller().start(releaseOf('20260101T000000Z-111111111111', revisionOf('1'), planOf('ring-0', 'ring-1'), clusters, v1));
    for (const c of ['c-00', 'c-01']) await putStatus(store, c, 'Applied', v1, 1);
    const reports = await Promise.all([controller().step(), controller().step()]);
    expect(reports.reduce((n, r) => n + r.moved, 0)).toBe(10);
    expect(audit.drafts.filter((d) => d.action === 'wave.opened')).toHaveLength(2);
    for (const c of Object.keys(clusters)) expect((await pointerOf(store, c)).generation).toBe(1);
    const doc = await readCurrentRolloutDocument(store);
    expect(doc?.doc.pendingMoves).toBeUndefined();
    expect(doc?.doc.version).toBe(2);
  });

  it('finishes the moves of a step that crashed between writing its intent and moving every pointer', async () => {
    const { store, controller, compile } = setup();
    await compile();
    const stg = await pointerOf(store, 'eu-stg-001');
    await putStatus(store, 'eu-stg-001', 'Applied', stg.bundle as Digest, stg.generation);
    await expect(controller(failingPointerPut(store, 2)).step()).rejects.toThrow('injected crash');
    expect((await readCurrentRolloutDocument(store))?.doc.pendingMoves).toHaveLength(2);
    expect(await controller().step()).toMatchObject({ moved: 1 });
    const doc = await readCurrentRolloutDocument(store);
    expect(doc?.doc.pendingMoves).toBeUndefined();
    for (const c of ['eu-prod-001', 'us-prod-001']) {
      expect((await pointerOf(store, c)).generation).toBe(1);
      expect(doc?.doc.clusters[c]?.generation).toBe(1);
    }
  });

  it('a frozen compile moves nothing and says so; the first step after unfreeze moves ring 0', async () => {
    const { store, controller, compile } = setup();
    await putFreeze(store, 'ops', 'incident 9');
    expect(await compile()).toMatchObject({ pointersUpdated: 0, pointersHeld: 3, frozen: { actor: 'ops' }, rollout: { moved: 0 } });
    expect(await pointedDigests(store, CLUSTERS)).toEqual({ 'eu-stg-001': 'none', 'eu-prod-001': 'none', 'us-prod-001': 'none' });
    await store.delete(storeLayout.freeze);
    expect(await controller().step()).toMatchObject({ moved: 1 });
  });

  it('a newer release supersedes the running rollout; clusters whose ring has not opened keep what they have', async () => {
    const { store, repo, compile } = setup();
    const first = await compile();
    const stg = await pointerOf(store, 'eu-stg-001');
    await putStatus(store, 'eu-stg-001', 'Applied', stg.bundle as Digest, stg.generation);
    repo.commit({ 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'second');
    const second = await compile();
    expect(second.rollout).toMatchObject({ moved: 1 });
    expect(await pointedDigests(store, ['eu-prod-001', 'us-prod-001'])).toEqual({ 'eu-prod-001': 'none', 'us-prod-001': 'none' });
    const moved = await pointerOf(store, 'eu-stg-001');
    expect([moved.generation, moved.bundle === stg.bundle]).toEqual([2, false]);
    expect((await readRollout(store, first.rollout?.rollout ?? ''))?.doc).toMatchObject({ phase: 'Superseded', supersededBy: second.rollout?.rollout });
    const next = await readCurrentRolloutDocument(store);
    expect(next?.doc.clusters['eu-stg-001']?.from).toBe(stg.bundle);
  });

  it('refuses to compile a fleet whose delivery has metric checks without a metric source, publishing nothing', async () => {
    const { store, compile } = setup();
    const base = planOf('ring-0', 'ring-1');
    const errorRate = { name: 'error-rate', query: 'errors{cluster="${cluster.name}"}', max: 0.02, forMs: 5000, aggregate: 'cluster' as const, noData: 'wait' as const };
    const plan = { ...base, checks: [errorRate], rings: base.rings.map((r, i) => (i === 0 ? { ...r, checks: ['error-rate'] } : r)) };
    delivery.current = { ...(delivery.current ?? { ringOf: new Map(), statefulKeys: new Map() }), plan };
    await expect(compile()).rejects.toMatchObject({
      code: 'MetricSourceRequired',
      message: expect.stringContaining('compile failed: ring ring-0 lists checks error-rate; pass --prometheus URL (or set DRIFTLESS_PROMETHEUS_URL)'),
    });
    expect((await store.list('')).keys).toEqual([]);
  });
});
