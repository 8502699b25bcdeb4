import type { KubeObject } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { DESIRED_PATH, driftedFields, driftOf, driftOfMemo, type InSyncMemo } from './drift.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'web', labels: { app: 'api' } },
  spec: {
    replicas: 3,
    template: { spec: { containers: [{ name: 'api', image: 'api:1', ports: [{ containerPort: 8080 }] }] } },
  },
} as unknown as KubeObject;

/** The shape of the test Deployment, mutable, for patching a live copy. */
interface Live {
  metadata: { uid?: string; labels: Record<string, string> };
  spec: { replicas?: number; strategy?: object; template: { spec: { containers: Record<string, unknown>[] } } };
  status?: object;
}

const live = (patch: (o: Live) => void): KubeObject => {
  const o = structuredClone(deployment) as unknown as Live;
  o.metadata.uid = 'u-1';
  o.metadata.labels['added-by-someone'] = 'x';
  o.spec.strategy = { type: 'RollingUpdate' };
  const api = o.spec.template.spec.containers[0] ?? {};
  api['terminationMessagePath'] = '/dev/termination-log';
  o.spec.template.spec.containers.push({ name: 'sidecar', image: 'mesh:1' });
  o.status = { readyReplicas: 3 };
  patch(o);
  return o as unknown as KubeObject;
};

const container = (o: Live): Record<string, unknown> => o.spec.template.spec.containers[0] ?? {};

describe('driftedFields', () => {
  it('sees no drift when only others\u2019 fields, defaults and status differ', () => {
    expect(driftedFields(deployment, live(() => undefined))).toEqual([]);
  });

  it.each([
    ['a changed field we set', (o: Live) => void (o.spec.replicas = 1), ['spec.replicas']],
    ['a changed label we set', (o: Live) => void (o.metadata.labels['app'] = 'other'), ['metadata.labels.app']],
    ['a changed image in a named container', (o: Live) => void (container(o)['image'] = 'api:2'), ['spec.template.spec.containers[name=api].image']],
    ['our container removed', (o: Live) => void o.spec.template.spec.containers.shift(), ['spec.template.spec.containers[name=api]']],
    ['a field we set removed', (o: Live) => void delete o.spec.replicas, ['spec.replicas']],
  ])('finds %s', (_what, patch: (o: Live) => void, paths) => {
    expect(driftedFields(deployment, live(patch))).toEqual(paths);
  });

  it('finds an unnamed list that grew, such as a rule added to a ClusterRole by hand', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } as unknown as KubeObject;
    const live = { ...role, rules: [...(role as unknown as { rules: object[] }).rules, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] } as unknown as KubeObject;
    expect(driftedFields(role, live)).toEqual(['rules']);
  });

  it('takes an empty map or list we set as matching nothing stored, as the API server drops them', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: {} }, data: {}, binaryData: {} } as unknown as KubeObject;
    const stored = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'u' } } as unknown as KubeObject;
    expect(driftedFields(cm, stored)).toEqual([]);
  });

  it('compares a Secret\u2019s stringData with the data the server stores', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' } } as unknown as KubeObject;
    const stored = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' } } as unknown as KubeObject;
    expect(driftedFields(secret, stored)).toEqual([]);
    expect(driftedFields(secret, { ...stored, data: { password: 'b3RoZXI=' } })).toEqual(['data.password']);
  });

  it('calls a member with a new desired digest drifted at that annotation, and compares one with the same digest field by field', () => {
    const annotated = (o: KubeObject, digest: string): KubeObject => ({ ...o, metadata: { ...o.metadata, annotations: { 'driftless.dev/desired-digest': digest } } });
    const edited = live((o) => (container(o)['image'] = 'api:2'));
    expect(driftOf(annotated(deployment, 'new'), annotated(edited, 'old'), undefined)).toEqual({ kind: 'drifted', paths: [DESIRED_PATH] });
    expect(driftOf(annotated(deployment, 'same'), annotated(edited, 'same'), undefined)).toEqual({ kind: 'drifted', paths: ['spec.template.spec.containers[name=api].image'] });
    expect(driftOf(annotated(deployment, 'same'), annotated(live(() => undefined), 'same'), undefined)).toEqual({ kind: 'in-sync' });
    expect(driftOf(annotated(deployment, 'new'), edited, undefined)).toEqual({ kind: 'drifted', paths: [DESIRED_PATH] });
  });
});

describe('driftOfMemo', () => {
  const annotated = (o: KubeObject, resourceVersion?: string): KubeObject => ({
    ...o,
    metadata: { ...o.metadata, ...(resourceVersion ? { resourceVersion } : {}), annotations: { 'driftless.dev/desired-digest': 'd' } },
  });
  const member = annotated(deployment);
  const inSync = (rv?: string): KubeObject => annotated(live(() => undefined), rv);
  const edited = (rv?: string): KubeObject => annotated(live((o) => (container(o)['image'] = 'api:2')), rv);
  const drifted = { kind: 'drifted', paths: ['spec.template.spec.containers[name=api].image'] };

  it('does not compare a member again while its live object keeps the resourceVersion it was found in sync at', () => {
    const memo: InSyncMemo = new WeakMap();
    expect(driftOfMemo(member, inSync('7'), undefined, memo)).toEqual({ kind: 'in-sync' });
    // Different data at the same version: only the memo can call this in sync.
    expect(driftOfMemo(member, edited('7'), undefined, memo)).toEqual({ kind: 'in-sync' });
    expect(driftOf(member, edited('7'), undefined)).toEqual(drifted);
  });

  it('compares again once the resourceVersion moved, and forgets a member found drifted', () => {
    const memo: InSyncMemo = new WeakMap();
    expect(driftOfMemo(member, inSync('7'), undefined, memo)).toEqual({ kind: 'in-sync' });
    expect(driftOfMemo(member, edited('8'), undefined, memo)).toEqual(drifted);
    expect(driftOfMemo(member, edited('7'), undefined, memo)).toEqual(drifted);
  });

  it('keys by member identity: another member with the same data, or a live object without a resourceVersion, is compared', () => {
    const memo: InSyncMemo = new WeakMap();
    expect(driftOfMemo(member, inSync('7'), undefined, memo)).toEqual({ kind: 'in-sync' });
    expect(driftOfMemo(structuredClone(member), edited('7'), undefined, memo)).toEqual(drifted);
    expect(driftOfMemo(member, edited(), undefined, memo)).toEqual(drifted);
  });
});
