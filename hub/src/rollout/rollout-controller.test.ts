import { isDriftlessError, storeLayout, type ObjectStore } from '@driftless/core';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, failingPointerPut, planOf, putFreeze, putStatus, releaseOf, revisionOf } from '../testing/rollout-fixture.js';
import { pointedDigests, pointerOf } from '../testing/store-reads.js';
import { auditRecorder, testRolloutMachine } from '../testing/test-rollout-machine.js';
import { createAuditLog } from '../audit/audit-log.js';
import { signingKeyId } from '../publish/pointer-signing.js';
import { generateSigningKeyPair } from '../signing-keys.js';
import { createRolloutController, type AuditSink } from './rollout-controller.js';
import { readCurrentRolloutDocument, readRollout } from './rollout-store.js';

const T0 = Date.UTC(2026, 0, 1);
const RING_OF = { a0: 0, a1: 0, b0: 1, b1: 1 };
const plan = planOf('ring-0', 'ring-1');
const v1 = digestOf('1');

function setup(store: ObjectStore = new MemoryObjectStore()) {
  const clock = new VirtualClock(T0);
  const audit = auditRecorder();
  const controller = (s: ObjectStore = store, signingKey?: KeyObject, sink: AuditSink = audit) =>
    createRolloutController({ store: s, clock, machine: testRolloutMachine, audit: sink, newId: randomUUID, ...(signingKey ? { signingKey } : {}) });
  return { store, clock, audit, controller };
}

const v2 = digestOf('2');
const hubKey = createPrivateKey(generateSigningKeyPair().privateKeyPem);
const otherKey = createPrivateKey(generateSigningKeyPair().privateKeyPem);

/** The current rollout's version and intent log, as stored. */
async function recorded(store: ObjectStore) {
  const doc = (await readCurrentRolloutDocument(store))?.doc;
  return { version: doc?.version, pendingMoves: doc?.pendingMoves?.length ?? 0 };
}

/** `store`, except that `interleave` runs once right after the `nth` (default first) read of rollout `id` returned (a slow reader holding it). */
function slowReaderOf(store: ObjectStore, id: string, interleave: () => Promise<unknown>, nth = 1): ObjectStore {
  let reads = 0;
  return Object.assign(Object.create(store) as ObjectStore, {
    get: async (key: string, opts?: Parameters<ObjectStore['get']>[1]) => {
      const got = await store.get(key, opts);
      if (key === storeLayout.rollout(id) && ++reads === nth) await interleave();
      return got;
    },
  });
}

/** `store`, except that every audit entry write throws (as a process dying right after the rollout write would). */
function failingAuditPut(store: ObjectStore): ObjectStore {
  return Object.assign(Object.create(store) as ObjectStore, {
    putIfAbsent: (key: string, body: Uint8Array, opts?: Parameters<ObjectStore['putIfAbsent']>[2]) =>
      key.startsWith(storeLayout.auditPrefix) ? Promise.reject(new Error('injected audit crash')) : store.putIfAbsent(key, body, opts),
  });
}

const release1 = releaseOf('20260101T000000Z-111111111111', revisionOf('1'), plan, RING_OF, v1);
const release2 = releaseOf('20260101T000100Z-222222222222', revisionOf('2'), plan, RING_OF, v2, { a0: v1, a1: v1, b0: v1, b1: v1 });

describe('createRolloutController', () => {
  it('starts a release moving only ring 0, then moves ring 1 once ring 0 reports Applied', async () => {
    const { store, audit, controller } = setup();
    const report = await controller().start(release1);
    expect(report).toMatchObject({ rollout: release1.id, moved: 2, changed: false });
    expect(await pointedDigests(store, ['a0', 'a1', 'b0', 'b1'])).toEqual({ a0: v1, a1: v1, b0: 'none', b1: 'none' });
    const doc = await readCurrentRolloutDocument(store);
    expect(doc?.doc.pendingMoves).toBeUndefined();
    expect(doc?.doc.clusters['a0']).toMatchObject({ state: 'moved', generation: 1 });
    expect(await controller().step()).toMatchObject({ moved: 0, changed: false });
    for (const c of ['a0', 'a1']) await putStatus(store, c, 'Applied', v1, 1);
    expect(await controller().step()).toMatchObject({ moved: 2, changed: true, phase: 'Progressing' });
    expect(await pointedDigests(store, ['b0', 'b1'])).toEqual({ b0: v1, b1: v1 });
    expect(audit.drafts.map((d) => d.action)).toEqual(['rollout.started', 'wave.opened', 'wave.opened']);
  });

  it('reads an unchanged rollout document with a conditional GET (304) on later steps, and a changed one again', async () => {
    const store = new MemoryObjectStore();
    const { controller } = setup(store);
    const ctl = controller();
    await ctl.start(release1);
    await ctl.step();
    const full = store.counters.get200;
    const notModified = store.counters.get304;
    await ctl.step();
    // current.json is small and read whole; the rollout document itself answers 304.
    expect(store.counters.get304 - notModified).toBeGreaterThanOrEqual(1);
    expect(store.counters.get200 - full).toBe(1);
    // Another writer changes it: the next step reads it whole and sees the change.
    await controller().command({ kind: 'halt', actor: 'ops', reason: 'incident' });
    expect(await ctl.step()).toMatchObject({ phase: 'Halted' });
  });

  it("keeps each cluster's stateful key in the rollout, for the next release to compare", async () => {
    const { store, controller } = setup();
    await controller().start(release1, new Map([['b0', 'key-b0']]));
    const doc = await readCurrentRolloutDocument(store);
    expect([doc?.doc.clusters['b0']?.statefulKey, doc?.doc.clusters['a0']?.statefulKey]).toEqual(['key-b0', undefined]);
  });

  it('starts no second rollout when the same revision is compiled again', async () => {
    const { store, controller } = setup();
    await controller().start(release1);
    expect(await controller().start({ ...release1, id: '20260101T000100Z-111111111111' })).toBeUndefined();
    expect((await readCurrentRolloutDocument(store))?.doc.id).toBe(release1.id);
  });

  it('invalidates the hub-state marker before it moves a pointer, keeping its revision', async () => {
    const { store, controller } = setup();
    await store.put('hub/last-publish.json', new TextEncoder().encode(JSON.stringify({ id: 'compile', revision: revisionOf('1') })));
    await controller().start(release1);
    const marker = await store.get('hub/last-publish.json');
    const body = marker.kind === 'found' ? (JSON.parse(new TextDecoder().decode(marker.body)) as { id: string; revision: string }) : undefined;
    expect(body?.revision).toBe(revisionOf('1'));
    expect(body?.id).not.toBe('compile');
  });

  it('halts in the step that sees a Degraded status, moves nothing until resumed', async () => {
    const { store, controller } = setup();
    await controller().start(release1);
    await putStatus(store, 'a0', 'Degraded', v1, 1, 'crash loop');
    await putStatus(store, 'a1', 'Applied', v1, 1);
    expect(await controller().step()).toMatchObject({ phase: 'Halted', moved: 0, halted: { actor: 'hub' } });
    expect(await pointedDigests(store, ['b0'])).toEqual({ b0: 'none' });
    await expect(controller().command({ kind: 'approve', ring: 'nope', actor: 'ann', reason: 'r' })).rejects.toMatchObject({ code: 'RolloutCommandRefused' });
    const resumed = await controller().command({ kind: 'resume', actor: 'ann', reason: 'fixed' });
    expect(resumed.phase).toBe('Progressing');
    expect((await controller().status())?.summary.rings[0]).toMatchObject({ name: 'ring-0', clusters: { failed: 1, applied: 1 } });
  });

  it('moves no pointer while frozen and says so; moves them at the first step after unfreeze', async () => {
    const { store, controller } = setup();
    await putFreeze(store, 'ops', 'incident 42');
    expect(await controller().start(release1)).toMatchObject({ moved: 0, frozen: { actor: 'ops', reason: 'incident 42' } });
    expect(await pointedDigests(store, ['a0'])).toEqual({ a0: 'none' });
    await store.delete(storeLayout.freeze);
    expect(await controller().step()).toMatchObject({ moved: 2, changed: true });
  });

  it('lets exactly one of two racing steps win each version, and moves every pointer once', async () => {
    const { store, audit, controller } = setup();
    await controller().start(release1);
    for (const c of ['a0', 'a1']) await putStatus(store, c, 'Applied', v1, 1);
    const reports = await Promise.all([controller().step(), controller().step()]);
    expect(reports.reduce((n, r) => n + r.moved, 0)).toBe(2);
    expect(audit.drafts.filter((d) => d.action === 'wave.opened')).toHaveLength(2);
    for (const c of ['b0', 'b1']) expect((await pointerOf(store, c)).generation).toBe(1);
  });

  it('finishes the pointer moves of a step that crashed after writing its intent', async () => {
    const base = new MemoryObjectStore();
    const { store, controller } = setup(base);
    await controller().start(release1);
    for (const c of ['a0', 'a1']) await putStatus(store, c, 'Applied', v1, 1);
    await expect(controller(failingPointerPut(base, 2)).step()).rejects.toThrow('injected crash');
    expect((await readCurrentRolloutDocument(store))?.doc.pendingMoves).toHaveLength(2);
    const report = await controller().step();
    expect(report.moved).toBe(1);
    expect(await pointedDigests(store, ['b0', 'b1'])).toEqual({ b0: v1, b1: v1 });
    const doc = await readCurrentRolloutDocument(store);
    expect(doc?.doc.pendingMoves).toBeUndefined();
    expect([doc?.doc.clusters['b0']?.generation, doc?.doc.clusters['b1']?.generation]).toEqual([1, 1]);
  });

  it('refuses a command when no rollout was ever started', async () => {
    const { controller } = setup();
    const err: unknown = await controller()
      .command({ kind: 'halt', actor: 'ann', reason: 'r' })
      .catch((e: unknown) => e);
    expect(isDriftlessError(err, 'RolloutCommandRefused')).toBe(true);
  });

  it.each(['approve', 'halt'] as const)('refuses %s for a rollout that a newer one superseded after the command read it (RolloutSuperseded), leaving the newer one as it was', async (kind) => {
    const { store, audit, controller } = setup();
    await controller().start(release1);
    let newer: unknown;
    // After the compare-and-swap loop's first read of rollout 1 (the command's own read is the first): rollout 2 starts before the write.
    const racing = slowReaderOf(store, release1.id, async () => controller().start(release2).then(async () => (newer = await readCurrentRolloutDocument(store))), 2);
    const cmd = kind === 'approve' ? { kind, ring: 'ring-1', actor: 'ann', reason: 'saw rollout 1' } : { kind, actor: 'ann', reason: 'saw rollout 1' };
    const err: unknown = await controller(racing)
      .command(cmd, { expectRolloutId: release1.id })
      .catch((e: unknown) => e);
    expect(isDriftlessError(err, 'RolloutSuperseded') && err.data).toEqual({ rollout: release1.id, current: release2.id });
    expect((err as Error).message).toBe(`rollout ${release1.id} ${kind} failed: rollout ${release2.id} is current now (a newer release superseded it); nothing was done, look at rollout ${release2.id} and decide again`);
    expect(newer).toMatchObject({ doc: { id: release2.id } });
    expect(await readCurrentRolloutDocument(store)).toEqual(newer);
    expect(audit.drafts.map((d) => d.action)).not.toContain(kind === 'approve' ? 'rollout.approved' : 'rollout.halted');
    // Without an expected id (the CLI's `rollout approve`), the command acts on the current rollout.
    await controller().command(cmd);
    expect(audit.drafts.filter((d) => d.subject === `rollout/${release2.id}`).map((d) => d.action)).toContain(kind === 'approve' ? 'rollout.approved' : 'rollout.halted');
  });

  it('halts a signed rollout without a signing key while moves are pending, leaving them for the next step with the key', async () => {
    const base = new MemoryObjectStore();
    const { store, audit, controller } = setup(base);
    await expect(controller(failingPointerPut(base, 1), hubKey).start(release1)).rejects.toThrow('injected crash');
    expect(await recorded(store)).toMatchObject({ pendingMoves: 2 });
    const halted = await controller().command({ kind: 'halt', actor: 'ops', reason: 'incident' });
    expect(halted).toMatchObject({ phase: 'Halted', moved: 0, halted: { actor: 'ops', reason: 'incident' } });
    expect(await recorded(store)).toMatchObject({ pendingMoves: 2 });
    expect(audit.drafts.map((d) => d.action)).toContain('rollout.halted');
    expect(await controller(store, hubKey).step()).toMatchObject({ phase: 'Halted' });
    expect(await pointedDigests(store, ['a0', 'a1'])).toEqual({ a0: v1, a1: v1 });
    expect((await pointerOf(store, 'a0')).signature).toMatch(/^ed25519:/);
    expect(await recorded(store)).toMatchObject({ pendingMoves: 0 });
  });

  it('refuses resume without the rollout\'s key before recording it (stalled SigningKeyRequired naming --sign-key and the key id)', async () => {
    const { store, audit, controller } = setup();
    await controller(store, hubKey).start(release1);
    await putStatus(store, 'a0', 'Degraded', v1, 1, 'crash loop');
    expect(await controller(store, hubKey).step()).toMatchObject({ phase: 'Halted' });
    const before = { ...(await recorded(store)), audit: audit.drafts.length };
    const err: unknown = await controller()
      .command({ kind: 'resume', actor: 'ann', reason: 'fixed' })
      .catch((e: unknown) => e);
    expect(isDriftlessError(err, 'SigningKeyRequired')).toBe(true);
    expect((err as Error).message).toContain(`signed by key ${signingKeyId(hubKey)}; pass --sign-key`);
    expect({ ...(await recorded(store)), audit: audit.drafts.length }).toEqual(before);
    expect(await controller(store, hubKey).command({ kind: 'resume', actor: 'ann', reason: 'fixed' })).toMatchObject({ phase: 'Progressing' });
  });

  it('refuses a step with no key or another key on a signed rollout, even one that would only record a verdict, writing nothing', async () => {
    const { store, audit, controller } = setup();
    await controller(store, hubKey).start(release1);
    await putStatus(store, 'a0', 'Applied', v1, 1);
    const before = { ...(await recorded(store)), audit: audit.drafts.length };
    for (const key of [undefined, otherKey]) {
      await expect(controller(store, key).step()).rejects.toMatchObject({ code: 'SigningKeyRequired' });
      expect({ ...(await recorded(store)), audit: audit.drafts.length }).toEqual(before);
    }
    expect(await controller(store, hubKey).step()).toMatchObject({ changed: true });
  });

  it('appends the audit entries of a step that died between its rollout write and its audit append, at the next step', async () => {
    const { store, clock, controller } = setup();
    const log = createAuditLog({ store, clock });
    await controller(store, undefined, log).start(release1);
    for (const c of ['a0', 'a1']) await putStatus(store, c, 'Applied', v1, 1);
    await expect(controller(store, undefined, createAuditLog({ store: failingAuditPut(store), clock })).step()).rejects.toThrow('injected audit crash');
    await controller(store, undefined, log).step();
    expect((await log.read()).map((e) => `${e.action} ${e.subject}`)).toEqual([
      `rollout.started rollout/${release1.id}`,
      `wave.opened rollout/${release1.id}/ring/ring-0`,
      `wave.opened rollout/${release1.id}/ring/ring-1`,
    ]);
    expect(await recorded(store)).toMatchObject({ pendingMoves: 0 });
  });

  it("appends a superseded rollout's entries when the compile that superseded it died before its audit append and runs again", async () => {
    const { store, clock, controller } = setup();
    const log = createAuditLog({ store, clock });
    await controller(store, undefined, log).start(release1);
    await expect(controller(store, undefined, createAuditLog({ store: failingAuditPut(store), clock })).start(release2)).rejects.toThrow('injected audit crash');
    // The compile runs again: the newer release's rollout starts, and the old one's entry is not lost.
    await controller(store, undefined, log).start(release2);
    const actions = (await log.read()).map((e) => `${e.action} ${e.subject}`);
    expect(actions).toContain(`rollout.superseded rollout/${release1.id}`);
    expect((await readRollout(store, release1.id))?.doc).toMatchObject({ phase: 'Superseded' });
    expect((await readRollout(store, release1.id))?.doc.pendingAudit).toBeUndefined();
  });

  it("supersedes a signed rollout with moves pending without its key, dropping those moves for the newer release's rings", async () => {
    const base = new MemoryObjectStore();
    const { store, controller } = setup(base);
    await expect(controller(failingPointerPut(base, 1), hubKey).start(release1)).rejects.toThrow('injected crash');
    expect(await recorded(store)).toMatchObject({ pendingMoves: 2 });
    // Key rotation: the next compile signs with another key.
    expect(await controller(store, otherKey).start(release2)).toMatchObject({ rollout: release2.id });
    expect((await readRollout(store, release1.id))?.doc).toMatchObject({ phase: 'Superseded' });
    expect((await readRollout(store, release1.id))?.doc.pendingMoves).toBeUndefined();
  });

  it('moves nothing from an intent log it read before another step finished it and a newer release moved those pointers', async () => {
    const base = new MemoryObjectStore();
    const { store, controller } = setup(base);
    await expect(controller(failingPointerPut(base, 1)).start(release1)).rejects.toThrow('injected crash');
    const slow = slowReaderOf(base, release1.id, async () => {
      await controller().step();
      await controller().start(release2);
    });
    await controller(slow).step();
    expect(await pointedDigests(store, ['a0', 'a1'])).toEqual({ a0: v2, a1: v2 });
  });
});
