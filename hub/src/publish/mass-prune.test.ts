import { DEFAULT_NAMESPACE_ANNOTATION, type KubeObject, type ObjectRef } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { guardRefOf, massPruneRefusal } from './mass-prune.js';

const cm = (name: string, namespace = 'app'): ObjectRef => ({ group: '', kind: 'ConfigMap', namespace, name });
const ns = (name: string): ObjectRef => ({ group: '', kind: 'Namespace', namespace: '', name });
const deploy = (name: string): ObjectRef => ({ group: 'apps', kind: 'Deployment', namespace: 'app', name });

describe('massPruneRefusal', () => {
  it.each<[string, ObjectRef[], ObjectRef[], string | undefined]>([
    ['nothing removed', [cm('a'), cm('b')], [cm('a'), cm('b'), cm('c')], undefined],
    ['exactly half removed', [cm('a'), cm('b')], [cm('a')], undefined],
    ['a cluster with no objects yet', [], [cm('a')], undefined],
    ['an old bundle that is gone (no objects known)', [], [], undefined],
    ['one of one removed', [cm('a')], [], 'would remove 1 of its 1 objects (ConfigMap/app/a); pass --allow-mass-prune if that is intended'],
    ['two of three removed', [cm('a'), cm('b'), cm('c')], [cm('b')], 'would remove 2 of its 3 objects (ConfigMap/app/a, ConfigMap/app/c); pass --allow-mass-prune if that is intended'],
    [
      'more than three removed: three named, in the old bundle order, then …',
      [cm('a'), ns('app'), deploy('web'), cm('z')],
      [],
      'would remove 4 of its 4 objects (ConfigMap/app/a, Namespace/app, Deployment/app/web, …); pass --allow-mass-prune if that is intended',
    ],
    ['an object moved to another namespace counts as removed', [cm('a', 'one'), cm('b', 'one')], [cm('a', 'two'), cm('b', 'two')], 'would remove 2 of its 2 objects (ConfigMap/one/a, ConfigMap/one/b); pass --allow-mass-prune if that is intended'],
    ['the same name in another group is another object', [deploy('web')], [{ ...deploy('web'), group: 'extensions' }], 'would remove 1 of its 1 objects (Deployment/app/web); pass --allow-mass-prune if that is intended'],
  ])('%s', (_what, before, after, expected) => {
    expect(massPruneRefusal(before, after)).toBe(expected);
  });
});

describe('guardRefOf', () => {
  const cert = (name: string, metadata: Partial<KubeObject['metadata']>): KubeObject => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name, ...metadata } });
  const inWeb = ['a', 'b', 'c'].map((n) => cert(n, { namespace: 'web' }));
  const hinted = (ns: string): KubeObject[] => ['a', 'b', 'c'].map((n) => cert(n, { annotations: { [DEFAULT_NAMESPACE_ANNOTATION]: ns, other: 'x' } }));

  it('counts an unplaced object as in its default namespace, so a placement-only change removes nothing', () => {
    expect(massPruneRefusal(inWeb.map(guardRefOf), hinted('web').map(guardRefOf))).toBeUndefined();
    expect(massPruneRefusal(hinted('web').map(guardRefOf), inWeb.map(guardRefOf))).toBeUndefined();
  });

  it('still counts an unplaced object whose default namespace is another as removed', () => {
    expect(massPruneRefusal(inWeb.map(guardRefOf), hinted('other').map(guardRefOf))).toBe(
      'would remove 3 of its 3 objects (Certificate/web/a, Certificate/web/b, Certificate/web/c); pass --allow-mass-prune if that is intended',
    );
  });

  it('keeps the ref of a placed object, and of a cluster-scoped one without a hint', () => {
    expect(guardRefOf(cert('a', { namespace: 'web', annotations: { [DEFAULT_NAMESPACE_ANNOTATION]: 'other' } }))).toEqual({ group: 'cert-manager.io', kind: 'Certificate', namespace: 'web', name: 'a' });
    expect(guardRefOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } })).toEqual({ group: '', kind: 'Namespace', namespace: '', name: 'web' });
  });
});
