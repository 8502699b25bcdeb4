import { randomUUID } from 'node:crypto';
import { parseJsonDocument, revisionRecordSchema, storeLayout, type Digest } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { describe, expect, it, vi } from 'vitest';
import type { CompiledDelivery } from './compile.js';
import { deliveryOverride as delivery } from './testing/compile-with-delivery.js';
import { createHub } from './hub.js';
import { createRolloutController } from './rollout/rollout-controller.js';
import { readCurrentRollout, readRollout } from './rollout/rollout-store.js';
import { planOf, putFreeze, putStatus } from './testing/rollout-fixture.js';
import { pointedDigests, pointerOf } from './testing/store-reads.js';
import { auditRecorder, testRolloutMachine } from './testing/test-rollout-machine.js';
import { unitHubDeps, withoutKustomize } from './testing/unit-hub.js';

// spec.delivery is parsed from fleet.yaml by another part of issue 12: here it is set by hand.
vi.mock('./compile.js', async (orig) => (await import('./testing/compile-with-delivery.js')).compileWithDelivery(orig));

const CLUSTERS = ['eu-stg-001', 'eu-prod-001', 'us-prod-001'];
const twoRings = (): CompiledDelivery => ({
  plan: planOf('ring-0', 'ring-1'),
  ringOf: new Map([['eu-stg-001', 0], ['eu-prod-001', 1], ['us-prod-001', 1]]),
  statefulKeys: new Map(),
});

function setup(withDelivery: boolean) {
  delivery.current = withDelivery ? twoRings() : undefined;
  const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
  const repo = new MemoryRepository();
  const first = repo.commit(withoutKustomize(fixtureFleet()), 'first');
  const store = new MemoryObjectStore({ clock });
  const audit = auditRecorder();
  const hub = createHub(unitHubDeps({ source: repo, store, clock, machine: testRolloutMachine, audit }));
  const step = () => createRolloutController({ store, clock, machine: testRolloutMachine, audit, newId: randomUUID }).step();
  return { repo, first, store, audit, hub, step, compile: () => hub.compile({ repo: repo.url }) };
}

describe('hub compile with spec.delivery', () => {
  it("publishes blobs and the revision record but moves only ring 0's pointers, and starts one rollout", async () => {
    const { store, audit, first, compile } = setup(true);
    const report = await compile();
    expect(report).toMatchObject({ revision: first, blobsWritten: 3, pointersUpdated: 0, pointersHeld: 3, rollout: { moved: 1, phase: 'Progressing' } });
    expect(await pointedDigests(store, CLUSTERS)).toMatchObject({ 'eu-prod-001': 'none', 'us-prod-001': 'none' });
    expect((await pointerOf(store, 'eu-stg-001')).generation).toBe(1);
    const record = await store.get(storeLayout.revision(first));
    expect(record.kind === 'found' && parseJsonDocument(revisionRecordSchema, record.body, 'record').rings).toEqual({ 'eu-prod-001': 'ring-1', 'eu-stg-001': 'ring-0', 'us-prod-001': 'ring-1' });
    expect(audit.drafts.map((d) => d.action)).toEqual(['release.published', 'rollout.started', 'wave.opened']);
    const again = await compile();
    expect(again.rollout).toBeUndefined();
    expect(audit.drafts).toHaveLength(3);
    expect((await readCurrentRollout(store))?.doc.id).toBe(report.rollout?.rollout);
  });

  it("records in the rollout each cluster's labels that the checks name, as the compile found them (core's machine)", async () => {
    const { repo, store } = setup(true);
    delivery.current = { ...twoRings(), labels: new Map([['eu-stg-001', { region: 'eu' }]]) };
    const hub = createHub(unitHubDeps({ source: repo, store, clock: new VirtualClock(0), audit: auditRecorder() }));
    const report = await hub.compile({ repo: repo.url });
    const doc = (await readRollout(store, report.rollout?.rollout ?? expect.fail('no rollout')))?.doc;
    expect(doc?.clusters['eu-stg-001']?.labels).toEqual({ region: 'eu' });
    expect(doc?.clusters['us-prod-001']).not.toHaveProperty('labels');
  });

  it('lets a step move ring 1 once ring 0 reports Applied; a newer release supersedes and keeps untouched clusters', async () => {
    const { store, repo, compile } = setup(true);
    const first = await compile();
    const v1 = (await pointerOf(store, 'eu-stg-001')).bundle;
    await putStatus(store, 'eu-stg-001', 'Applied', v1 as Digest, 1);
    repo.commit({ 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'second');
    const second = await compile();
    expect(second.rollout).toMatchObject({ moved: 1 });
    expect(await pointedDigests(store, ['eu-prod-001', 'us-prod-001'])).toEqual({ 'eu-prod-001': 'none', 'us-prod-001': 'none' });
    expect((await pointerOf(store, 'eu-stg-001')).generation).toBe(2);
    const old = await readRollout(store, first.rollout?.rollout ?? '');
    expect(old?.doc).toMatchObject({ phase: 'Superseded', supersededBy: second.rollout?.rollout });
  });
});

describe('hub compile while the fleet is frozen', () => {
  it.each([
    ['without delivery', false],
    ['with delivery', true],
  ])('moves no pointer %s, says who froze it and how many pointers it held; after unfreeze they move', async (_what, withDelivery) => {
    const { store, compile, step } = setup(withDelivery);
    await putFreeze(store, 'ops', 'incident 7');
    const report = await compile();
    expect(report).toMatchObject({ pointersUpdated: 0, pointersHeld: 3, frozen: { actor: 'ops', reason: 'incident 7' } });
    expect(await pointedDigests(store, CLUSTERS)).toEqual({ 'eu-stg-001': 'none', 'eu-prod-001': 'none', 'us-prod-001': 'none' });
    await store.delete(storeLayout.freeze);
    // Without delivery the next compile moves them; with delivery, the rollout's next step.
    const moved = withDelivery ? (await step()).moved : (await compile()).pointersUpdated;
    expect(moved).toBe(withDelivery ? 1 : 3);
  });
});
