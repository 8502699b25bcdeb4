import type { KubeObject, KubeObjectRef } from '@driftless/core';
import { MemoryKubeTarget, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import type { Normalized } from './drift.js';
import { INVENTORY_KEY, RecordCodec, encodeRecord, recordOf } from './member-record.js';
import { reconcileChanges, type ReconcileDeps } from './reconcile.js';

// What the agent keeps between passes (its state's memos) must never hide a change from a pass.

const parent = { name: 'driftless-applyset', namespace: 'driftless-system' };
const parentRef: KubeObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', ...parent };
const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } };
const cm = (name: string, color = 'blue'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app' }, data: { color } });

function setup() {
  const clock = new VirtualClock(Date.UTC(2026, 11, 1));
  const memory = new MemoryKubeTarget({ clock });
  const deps: ReconcileDeps = { kube: memory, clock, parent, normalized: new Map<string, Normalized>(), members: new WeakMap(), records: new RecordCodec() };
  const recorded = async (): Promise<readonly string[] | undefined> => recordOf(await memory.get(parentRef))?.members;
  return { memory, deps, recorded };
}

describe('the member record kept between passes', () => {
  it('is re-written when a member joins or leaves, and not when none did', async () => {
    const { memory, deps, recorded } = setup();
    const a = cm('a');
    const b = cm('b');
    await reconcileChanges([ns, a], deps);
    const writes = memory.counters.writes;
    await reconcileChanges([ns, a], deps);
    expect(memory.counters.writes).toBe(writes);
    expect(await recorded()).toEqual(['|ConfigMap|app|a', '|Namespace||app']);
    await reconcileChanges([ns, a, b], deps);
    expect(await recorded()).toEqual(['|ConfigMap|app|a', '|ConfigMap|app|b', '|Namespace||app']);
    await reconcileChanges([ns, a], deps);
    expect(await recorded()).toEqual(['|ConfigMap|app|a', '|Namespace||app']);
    expect(await memory.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'b' })).toBeUndefined();
  });

  it('is restored when someone else rewrote it on the parent, though the codec remembers the one it wrote', async () => {
    const { memory, deps, recorded } = setup();
    const objects = [ns, cm('a'), cm('b')];
    await reconcileChanges(objects, deps);
    const live = (await memory.get(parentRef)) as KubeObject & { binaryData: Record<string, string> };
    const forged = encodeRecord({ members: ['|Namespace||app'], created: [] }, 'test');
    await memory.apply({ ...live, metadata: { name: parent.name, namespace: parent.namespace }, binaryData: { ...live.binaryData, ...forged } }, 'driftless');
    expect(await recorded()).toEqual(['|Namespace||app']);
    await reconcileChanges(objects, deps);
    expect(await recorded()).toEqual(['|ConfigMap|app|a', '|ConfigMap|app|b', '|Namespace||app']);
  });

  it('decodes and encodes as recordOf and encodeRecord do, a record written elsewhere included', () => {
    const codec = new RecordCodec();
    const record = { members: ['|ConfigMap|a|y', '|ConfigMap|a|x', '|ConfigMap|a|x'], created: [], adopting: true };
    const data = codec.encode(record, 'ConfigMap/n/p');
    expect(data).toEqual(encodeRecord(record, 'ConfigMap/n/p'));
    const parentWith = (d: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p', namespace: 'n' }, binaryData: d });
    expect(codec.decode(parentWith(data))).toEqual({ members: ['|ConfigMap|a|x', '|ConfigMap|a|y'], created: [], adopting: true });
    const other = encodeRecord({ members: ['|ConfigMap|a|z'], created: [] }, 'ConfigMap/n/p');
    expect(codec.decode(parentWith(other))).toEqual({ members: ['|ConfigMap|a|z'], created: [] });
    expect(codec.decode(parentWith({ [INVENTORY_KEY]: 'bm90IGd6aXA=' }))).toBeUndefined();
    // Each field counts: the same members without adoption, or with another created object, is another record.
    for (const other of [{ ...record, adopting: false }, { ...record, created: ['|ConfigMap|a|x'] }, { ...record, members: ['|ConfigMap|a|x'] }]) {
      expect(codec.encode(other, 'ConfigMap/n/p')).toEqual(encodeRecord(other, 'ConfigMap/n/p'));
      expect(codec.encode(record, 'ConfigMap/n/p')).toEqual(data);
    }
  });
});

describe('members found in sync, kept between passes', () => {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'settings' };

  it('still corrects an object edited by hand after a pass found it in sync, and recreates one deleted', async () => {
    const { memory, deps } = setup();
    const objects = [ns, cm('settings')];
    const memo = { ...deps, inSync: new WeakMap<KubeObject, string>() };
    await reconcileChanges(objects, memo);
    const writes = memory.counters.writes;
    expect((await reconcileChanges(objects, memo)).changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
    expect(memory.counters.writes).toBe(writes);

    await memory.apply(cm('settings', 'red'), 'kubectl');
    expect((await reconcileChanges(objects, memo)).changes[1]).toMatchObject({ action: 'configured', reason: 'drifted: data.color' });
    expect(await memory.get(ref)).toMatchObject({ data: { color: 'blue' } });
    expect((await reconcileChanges(objects, memo)).changes[1]).toMatchObject({ action: 'unchanged' });

    await memory.delete(ref);
    expect((await reconcileChanges(objects, memo)).changes[1]).toMatchObject({ action: 'created' });
    expect(await memory.get(ref)).toMatchObject({ data: { color: 'blue' } });
  });

  it('applies a new desired state for the same object, though its live copy did not change', async () => {
    const { memory, deps } = setup();
    const memo = { ...deps, inSync: new WeakMap<KubeObject, string>() };
    const before = [ns, cm('settings')];
    await reconcileChanges(before, memo);
    await reconcileChanges(before, memo);
    expect((await reconcileChanges([ns, cm('settings', 'green')], memo)).changes[1]).toMatchObject({ action: 'configured', reason: 'desired state changed' });
    expect(await memory.get(ref)).toMatchObject({ data: { color: 'green' } });
  });
});
