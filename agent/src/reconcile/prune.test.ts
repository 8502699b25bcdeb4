import { DriftlessError, type KubeObject, type KubeObjectRef, type KubeTarget } from '@driftless/core';
import { MemoryKubeTarget, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { APPLYSET, applySetId } from './applyset.js';
import { outcomeOf } from './change-set.js';
import { INVENTORY_KEY, recordOf } from './member-record.js';
import { reconcile, reconcileChanges, type ReconcileDeps } from './reconcile.js';

const parent = { name: 'driftless-applyset', namespace: 'driftless-system' };
const parentRef = { apiVersion: 'v1', kind: 'ConfigMap', ...parent };
const ns = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
const cm = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'app', ...(labels ? { labels } : {}) }, data: { k: name } });
const refOf = (o: KubeObject): KubeObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });
const partOf = { [APPLYSET.partOf]: applySetId(parent) };

function setup(kubeOf: (memory: MemoryKubeTarget) => KubeTarget = (m) => m) {
  const memory = new MemoryKubeTarget();
  const deps: ReconcileDeps = { kube: kubeOf(memory), clock: new VirtualClock(0), parent, members: new WeakMap() };
  return { memory, deps };
}

describe('prune on the in-memory API server', () => {
  it('never deletes what carries our label but was not applied by us, nor a Namespace we did not create', async () => {
    const { memory, deps } = setup();
    await memory.apply(ns('theirs'), 'platform-team');
    await reconcile([ns('app'), ns('theirs'), cm('settings')], deps);
    await memory.apply(ns('victim', partOf), 'kubectl');
    await memory.apply(cm('forged', partOf), 'kubectl');
    const set = await reconcileChanges([cm('settings')], deps);
    expect(set.changes.filter((c) => c.action === 'pruned').map((c) => c.object)).toEqual(['Namespace/app']);
    for (const o of [ns('theirs'), ns('victim'), cm('forged')]) expect(await memory.get(refOf(o))).toBeDefined();
  });

  it('says a Namespace that existed before was adopted, not created', async () => {
    const { memory, deps } = setup();
    await memory.apply(ns('theirs'), 'platform-team');
    const set = await reconcileChanges([ns('theirs')], deps);
    expect(set.changes.map((c) => [c.object, c.action, c.reason])).toEqual([['Namespace/theirs', 'configured', 'adopted: it existed before']]);
  });

  it('records the members on the parent, and after a parent without them prunes nothing for one pass', async () => {
    const { memory, deps } = setup();
    await reconcile([ns('app'), cm('settings'), cm('gone')], deps);
    expect(recordOf(await memory.get(parentRef))).toEqual({
      members: ['|ConfigMap|app|gone', '|ConfigMap|app|settings', '|Namespace||app'],
      created: ['|Namespace||app'],
    });
    const live = (await memory.get(parentRef)) as KubeObject & { binaryData: Record<string, string> };
    const { [INVENTORY_KEY]: _record, ...rest } = live.binaryData;
    await memory.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...parent, labels: live.metadata['labels'], annotations: live.metadata['annotations'] }, binaryData: rest }, 'driftless');
    expect(await reconcileChanges([ns('app'), cm('settings')], deps)).toMatchObject({ pruneSkipped: 'unrecorded' });
    expect(await reconcile([ns('app'), cm('settings')], deps)).toMatchObject({ pruned: 1 });
    expect(await memory.get(refOf(cm('gone')))).toBeUndefined();
  });

  it('fails a refused delete by name, prunes the rest, degrades without failing the pass, and retries it next pass', async () => {
    let refuse = true;
    const { memory, deps } = setup((m) =>
      Object.assign(Object.create(m) as MemoryKubeTarget, {
        delete: (r: KubeObjectRef) =>
          refuse && r.name === 'stuck'
            ? Promise.reject(new DriftlessError('KubeRefused', 'ConfigMap/app/stuck delete failed: forbidden', { object: 'ConfigMap/app/stuck', operation: 'delete', status: 403, reason: 'forbidden' }))
            : m.delete(r),
      }),
    );
    await reconcile([ns('app'), cm('settings'), cm('stuck'), cm('gone')], deps);
    const set = await reconcileChanges([ns('app'), cm('settings')], deps);
    expect(set.changes.filter((c) => c.action !== 'unchanged').map((c) => [c.object, c.action, c.reason])).toEqual([
      ['ConfigMap/app/stuck', 'failed', 'ConfigMap/app/stuck delete failed: forbidden'],
      ['ConfigMap/app/gone', 'pruned', 'left the bundle'],
    ]);
    expect(outcomeOf(set.changes)).toMatchObject({ failed: [], pruned: 1, degraded: [{ object: 'ConfigMap/app/stuck', reason: 'ConfigMap/app/stuck delete failed: forbidden' }] });
    refuse = false;
    expect(await reconcile([ns('app'), cm('settings')], deps)).toMatchObject({ pruned: 1, degraded: [] });
    expect(await memory.get(refOf(cm('stuck')))).toBeUndefined();
  });
});
