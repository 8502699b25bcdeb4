import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, KubeObjectRef, KubeRequestCounters, KubeTarget } from '@driftless/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniqueName } from './unique-name.js';

/** A KubeTarget under test with its request counters (fresh for each test), and how to dispose of it. */
export interface KubeContractSubject {
  readonly kube: KubeTarget & { readonly counters: KubeRequestCounters };
  readonly cleanup?: () => Promise<void> | void;
}

type Obj = KubeObject & { data?: Record<string, string>; spec?: Record<string, unknown>; status?: Record<string, unknown> };

const refusal = (p: Promise<unknown>): Promise<unknown> => p.then(() => new Error('expected a refusal'), (e: unknown) => e);
const millis = (t: unknown): number => new Date(t as string | Date).getTime();
const labelsOf = (o: KubeObject | undefined): unknown => o?.metadata['labels'];

/** Polls `probe` until `done` (each try a real request; the real API server's own controllers need moments), 5 s at most. */
/** The ref of the CRD serving `plural` in `group`. */
const crdRefOf = (plural: string, group: string): KubeObjectRef => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `${plural}.${group}` });

/** A namespaced CRD for `kind` (plural: lower-case + s) at `group/v1`, with `properties` as its top-level schema. */
function namespacedCrd(group: string, kind: string, properties: Record<string, unknown>, version: Record<string, unknown> = {}): KubeObject {
  const singular = kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${singular}s.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: `${singular}s`, singular, kind, listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, ...version, schema: { openAPIV3Schema: { type: 'object', properties } } }],
    },
  };
}

async function eventually<T>(probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let value = await probe();
  for (let i = 0; i < 200 && !done(value); i++) {
    await sleep(25);
    value = await probe();
  }
  return value;
}

function deployment(namespace: string, opts: { labels?: Record<string, string>; annotations?: Record<string, string>; containers?: object[]; status?: object } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: opts.containers ?? [{ name: 'web', image: 'web:1' }] } },
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

/**
 * The behaviour the agent relies on from every KubeTarget, run unchanged
 * against the real adapter on kube-apiserver and against MemoryKubeTarget, so
 * the fake cannot drift from the real thing. Every test names its objects
 * uniquely, so the suite can run any number of times against one shared API
 * server. `make` is called once per test.
 */
export function describeKubeTargetContract(name: string, make: () => KubeContractSubject | Promise<KubeContractSubject>): void {
  describe(`KubeTarget contract: ${name}`, () => {
    let subject: KubeContractSubject;
    let kube: KubeContractSubject['kube'];
    beforeEach(async () => {
      subject = await make();
      kube = subject.kube;
    });
    afterEach(async () => {
      await subject.cleanup?.();
    });
    const namespace = async (prefix = 'kt'): Promise<string> => {
      const ns = uniqueName(prefix);
      await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'driftless');
      return ns;
    };
    const configMap = (namespace: string, name: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, ...(labels ? { labels } : {}) },
      data,
    });

    it('applies, reads, lists by label and deletes; get and delete answer not-found as values', async () => {
      const ns = await namespace();
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' };
      const created = await kube.apply(configMap(ns, 'a', { k: 'v' }, { owner: ns }), 'driftless');
      expect(created).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: ns }, data: { k: 'v' } });
      expect((await kube.get(ref))?.['data']).toEqual({ k: 'v' });
      expect((await kube.list('v1', 'ConfigMap', `owner=${ns}`)).map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
        `v1/ConfigMap/${ns}/a`,
      ]);
      expect(await kube.delete(ref)).toBe(true);
      expect(await kube.delete(ref)).toBe(false);
      expect(await kube.get(ref)).toBeUndefined();
      expect(await kube.list('v1', 'ConfigMap', `owner=${ns}`)).toEqual([]);
    });

    it('keeps the resourceVersion for identical content and changes it for new content; uid and creationTimestamp stay', async () => {
      const ns = await namespace();
      const first = await kube.apply(configMap(ns, 'a', { k: 'v' }), 'driftless');
      const { uid, resourceVersion, creationTimestamp } = first.metadata;
      expect(typeof uid === 'string' && uid.length > 0).toBe(true);
      expect(typeof resourceVersion === 'string' && resourceVersion.length > 0).toBe(true);
      expect(Number.isFinite(millis(creationTimestamp))).toBe(true);
      expect((await kube.apply(configMap(ns, 'a', { k: 'v' }), 'driftless')).metadata['resourceVersion']).toBe(resourceVersion);
      const changed = await kube.apply(configMap(ns, 'a', { k: 'w' }), 'driftless');
      expect(changed.metadata['resourceVersion']).not.toBe(resourceVersion);
      expect(changed.metadata['uid']).toBe(uid);
      expect(millis(changed.metadata['creationTimestamp'])).toBe(millis(creationTimestamp));
      expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' }))?.metadata['resourceVersion']).toBe(changed.metadata['resourceVersion']);
      expect(changed.metadata['generation']).toBeUndefined();
      await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' });
      expect((await kube.apply(configMap(ns, 'a', { k: 'w' }), 'driftless')).metadata['uid']).not.toBe(uid);
    });

    it('bumps a Deployment generation for spec and annotation changes, not for labels; apply never sets status', async () => {
      const ns = await namespace();
      const gen = async (o: KubeObject): Promise<unknown> => (await kube.apply(o, 'driftless')).metadata['generation'];
      expect(await gen(deployment(ns, { labels: { a: '1' } }))).toBe(1);
      expect(await gen(deployment(ns, { labels: { a: '2' } }))).toBe(1);
      expect(await gen(deployment(ns, { labels: { a: '2' }, containers: [{ name: 'web', image: 'web:2' }] }))).toBe(2);
      // The API server counts a Deployment's annotations too: they are copied to its ReplicaSets.
      expect(await gen(deployment(ns, { labels: { a: '2' }, annotations: { n: '1' }, containers: [{ name: 'web', image: 'web:2' }] }))).toBe(3);
      const before = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
      const withStatus = deployment(ns, { labels: { a: '2' }, annotations: { n: '1' }, containers: [{ name: 'web', image: 'web:2' }], status: { replicas: 42, observedGeneration: 42 } });
      const after = (await kube.apply(withStatus, 'driftless')) as Obj;
      expect(after.status?.['replicas']).not.toBe(42);
      expect(after.metadata['resourceVersion']).toBe(before?.metadata['resourceVersion']);
    });

    it('refuses a namespaced object in a namespace that does not exist, naming it', async () => {
      const ns = uniqueName('missing');
      const err = await refusal(kube.apply(configMap(ns, 'a', { k: 'v' }), 'driftless'));
      expect(err).toMatchObject({ code: 'KubeRefused', errorClass: 'stalled', data: { object: `ConfigMap/${ns}/a`, operation: 'apply', status: 404 } });
      expect((err as Error).message).toBe(`ConfigMap/${ns}/a apply failed: namespaces "${ns}" not found`);
    });

    it('refuses an invalid label value as stalled (422), naming the object', async () => {
      const ns = await namespace();
      const err = await refusal(kube.apply(configMap(ns, 'a', {}, { k: 'not valid' }), 'driftless'));
      expect(err).toMatchObject({ code: 'KubeRefused', errorClass: 'stalled', data: { object: `ConfigMap/${ns}/a`, status: 422 } });
      expect((err as Error).message).toMatch(new RegExp(`^ConfigMap/${ns}/a apply failed: .*metadata\\.labels.*not valid`));
    });

    it('lists by label selector in every namespace, filling in apiVersion and kind', async () => {
      const [one, two] = [await namespace(), await namespace()];
      const run = uniqueName('run');
      const labels: Record<string, Record<string, string>> = { p: { a: 'b', c: 'd' }, q: { a: 'b' }, r: { a: 'x' }, s: { a: 'y', c: 'd' }, t: {} };
      for (const [i, [n, l]] of Object.entries(labels).entries()) await kube.apply(configMap(i % 2 ? two : one, n, {}, { run, ...l }), 'driftless');
      const table: [string, string][] = [
        ['a=b', 'p,q'], ['a==b', 'p,q'], ['a=b,c=d', 'p'], ['a!=b', 'r,s,t'], ['a', 'p,q,r,s'], ['!a', 't'],
        ['a in (x,y)', 'r,s'], ['a in (x, y)', 'r,s'], ['a notin (x,y)', 'p,q,t'], ['a, !c', 'q,r'], ['a in (b),c', 'p'], ['a in ()', ''],
      ];
      for (const [selector, want] of table) {
        const found = await kube.list('v1', 'ConfigMap', `run=${run},${selector}`);
        expect(found.map((o) => o.metadata.name).sort().join(','), selector).toBe(want);
        expect(found.every((o) => o.apiVersion === 'v1' && o.kind === 'ConfigMap'), selector).toBe(true);
      }
      expect(new Set((await kube.list('v1', 'ConfigMap', `run=${run}`)).map((o) => o.metadata.namespace))).toEqual(new Set([one, two]));
      const err = await refusal(kube.list('v1', 'ConfigMap', 'a in x'));
      expect(err).toMatchObject({ code: 'KubeRefused', data: { object: 'ConfigMap (v1)', operation: 'list', status: 400 } });
    });

    it('lists cluster-scoped objects, and ignores a namespace given for one', async () => {
      const ns = await namespace();
      expect((await kube.list('v1', 'Namespace', `kubernetes.io/metadata.name=${ns}`)).map((o) => [o.apiVersion, o.kind, o.metadata.name])).toEqual([['v1', 'Namespace', ns]]);
      const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: uniqueName('role'), namespace: ns }, rules: [] };
      expect((await kube.apply(role, 'driftless')).metadata.namespace).toBeUndefined();
      expect((await kube.get({ apiVersion: role.apiVersion, kind: role.kind, name: role.metadata.name }))?.metadata.name).toBe(role.metadata.name);
      expect(await kube.delete({ apiVersion: role.apiVersion, kind: role.kind, name: role.metadata.name })).toBe(true);
    });

    it('stores a Secret\'s stringData as base64 data, with the default type', async () => {
      const ns = await namespace();
      await kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: ns }, stringData: { password: 'hunter2' } }, 'driftless');
      const live = await kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 's' });
      expect(live).toMatchObject({ type: 'Opaque', data: { password: Buffer.from('hunter2').toString('base64') } });
      expect(live?.['stringData']).toBeUndefined();
    });

    it('answers for a group/version nobody serves: no resource, not found, and apply and list refused (404)', async () => {
      const apiVersion = 'nope.driftless.dev/v1';
      expect(await kube.resourceOf(apiVersion, 'Thing')).toBeUndefined();
      expect(await kube.get({ apiVersion, kind: 'Thing', name: 't' })).toBeUndefined();
      expect(await kube.delete({ apiVersion, kind: 'Thing', name: 't' })).toBe(false);
      const applied = await refusal(kube.apply({ apiVersion, kind: 'Thing', metadata: { name: 't' } }, 'driftless'));
      expect(applied).toMatchObject({ code: 'KubeRefused', data: { object: 'Thing/t', operation: 'apply', status: 404 } });
      expect((applied as Error).message).toMatch(/^Thing\/t apply failed: /);
      const listed = await refusal(kube.list(apiVersion, 'Thing', ''));
      expect(listed).toMatchObject({ code: 'KubeRefused', data: { object: `Thing (${apiVersion})`, operation: 'list', status: 404 } });
    });

    it('refuses every request about a kind its group/version does not have, without a status', async () => {
      const ref: KubeObjectRef = { apiVersion: 'v1', kind: 'Gadget', name: 'g' };
      expect(await kube.resourceOf('v1', 'Gadget')).toBeUndefined();
      // No HTTP status: the adapter's discovery says so before any request; the agent treats it as not served.
      for (const [operation, request] of [
        ['apply', () => kube.apply({ apiVersion: 'v1', kind: 'Gadget', metadata: { name: 'g' } }, 'driftless')],
        ['get', () => kube.get(ref)],
        ['delete', () => kube.delete(ref)],
      ] as const) {
        const err = await refusal(request());
        expect(err, operation).toMatchObject({ code: 'KubeRefused', data: { object: 'Gadget/g', operation } });
        expect((err as { data: { status?: number } }).data.status, operation).toBeUndefined();
        expect((err as Error).message, operation).toBe(`Gadget/g ${operation} failed: the API server does not serve Gadget in v1`);
      }
      expect(await refusal(kube.list('v1', 'Gadget', ''))).toMatchObject({ code: 'KubeRefused', data: { object: 'Gadget (v1)', operation: 'list' } });
    });

    it('discovers scope, and serves the kind of a CRD once applied, Established, with status as a subresource', async () => {
      expect(await kube.resourceOf('apps/v1', 'Deployment')).toEqual({ resource: 'deployments', namespaced: true });
      expect(await kube.resourceOf('v1', 'Namespace')).toEqual({ resource: 'namespaces', namespaced: false });
      const group = `${uniqueName('g')}.driftless.dev`;
      const apiVersion = `${group}/v1`;
      expect(await kube.resourceOf(apiVersion, 'Gizmo')).toBeUndefined();
      const fields = { type: 'object', properties: { size: { type: 'integer' }, phase: { type: 'string' } } };
      const crdRef = crdRefOf('gizmos', group);
      await kube.apply(namespacedCrd(group, 'Gizmo', { spec: fields, status: fields }, { subresources: { status: {} } }), 'driftless');
      expect(await eventually(() => kube.resourceOf(apiVersion, 'Gizmo'), (i) => i !== undefined)).toEqual({ resource: 'gizmos', namespaced: true });
      const established = (c: KubeObject | undefined): boolean =>
        ((c as Obj | undefined)?.status?.['conditions'] as { type: string; status: string }[] | null | undefined)?.some((x) => x.type === 'Established' && x.status === 'True') ?? false;
      expect(established(await eventually(() => kube.get(crdRef), established))).toBe(true);

      const ns = await namespace();
      const gizmo = (size: number, labels: Record<string, string>): KubeObject => ({ apiVersion, kind: 'Gizmo', metadata: { name: 'g', namespace: ns, labels }, spec: { size }, status: { phase: 'Ready' } });
      const first = (await kube.apply(gizmo(1, { owner: ns }), 'driftless')) as Obj;
      expect(first).toMatchObject({ spec: { size: 1 }, metadata: { generation: 1 } });
      expect(first.status).toBeUndefined();
      expect((await kube.apply(gizmo(1, { owner: ns, more: 'x' }), 'driftless')).metadata['generation']).toBe(1);
      expect((await kube.apply(gizmo(2, { owner: ns, more: 'x' }), 'driftless')).metadata['generation']).toBe(2);
      expect((await kube.list(apiVersion, 'Gizmo', `owner=${ns}`)).map((o) => [o.apiVersion, o.kind, o.metadata.name, o['spec']])).toEqual([[apiVersion, 'Gizmo', 'g', { size: 2 }]]);
      expect(await kube.delete(crdRef)).toBe(true);
    });

    it('keeps every field it is given, as JSON: a CRD that preserves unknown fields, and its objects\' free-form spec', async () => {
      const group = `${uniqueName('p')}.driftless.dev`;
      const apiVersion = `${group}/v1`;
      const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      const crdRef = crdRefOf('widgets', group);
      const crd = namespacedCrd(group, 'Widget', { spec: open });
      const applied = (await kube.apply(crd, 'driftless')) as Obj;
      const schemaOf = (o: Obj | undefined): unknown => (o?.spec?.['versions'] as { schema: { openAPIV3Schema: { properties: { spec: unknown } } } }[] | undefined)?.[0]?.schema.openAPIV3Schema.properties.spec;
      expect(schemaOf(applied)).toEqual(open);
      expect(typeof applied.metadata['creationTimestamp']).toBe('string');
      await eventually(() => kube.resourceOf(apiVersion, 'Widget'), (i) => i !== undefined);
      const ns = await namespace();
      const spec = { anything: { nested: ['a', 'b'], 'x-custom': 1 }, replicas: 3 };
      await eventually(
        () => kube.apply({ apiVersion, kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec }, 'driftless').then(() => true, () => false),
        (ok) => ok,
      );
      expect((await kube.get({ apiVersion, kind: 'Widget', namespace: ns, name: 'w' }))?.['spec']).toEqual(spec);
      expect(await kube.delete(crdRef)).toBe(true);
    });

    it('takes fields from another manager with force, keeps theirs, and removes only what it alone owned and dropped', async () => {
      const ns = await namespace();
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'c' };
      await kube.apply(configMap(ns, 'c', { x: 'theirs', y: 'theirs', shared: '1' }, { theirs: '1', shared: '1' }), 'kubectl');
      const won = await kube.apply(configMap(ns, 'c', { x: 'ours', z: 'ours', shared: '1' }, { shared: '1' }), 'driftless');
      expect(won['data']).toEqual({ x: 'ours', y: 'theirs', z: 'ours', shared: '1' });
      // x and z were ours alone (x taken over), `shared` is kubectl's too.
      await kube.apply(configMap(ns, 'c', { k: 'v' }), 'driftless');
      const live = await kube.get(ref);
      expect(live?.['data']).toEqual({ y: 'theirs', shared: '1', k: 'v' });
      expect(labelsOf(live)).toEqual({ theirs: '1', shared: '1' });
    });

    it('names every manager that applied fields in managedFields (operation Apply), on apply, get and list', async () => {
      const ns = await namespace();
      const managers = (o: KubeObject | undefined): unknown =>
        ((o?.metadata['managedFields'] ?? []) as { manager: string; operation: string }[]).map((m) => `${m.manager}:${m.operation}`).sort();
      expect(managers(await kube.apply(configMap(ns, 'm', { a: '1' }, { owner: ns }), 'kubectl-edit'))).toEqual(['kubectl-edit:Apply']);
      expect(managers(await kube.apply(configMap(ns, 'm', { b: '2' }, { owner: ns }), 'driftless'))).toEqual(['driftless:Apply', 'kubectl-edit:Apply']);
      expect(managers(await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'm' }))).toEqual(['driftless:Apply', 'kubectl-edit:Apply']);
      expect((await kube.list('v1', 'ConfigMap', `owner=${ns}`)).map(managers)).toEqual([['driftless:Apply', 'kubectl-edit:Apply']]);
    });

    it('returns managedFields without their field sets (fieldsV1), on apply, get and list: an agent holds thousands of live objects', async () => {
      const ns = await namespace();
      const fieldSets = (o: KubeObject | undefined): unknown[] => ((o?.metadata['managedFields'] ?? []) as Record<string, unknown>[]).map((m) => m['fieldsV1']).filter((f) => f !== undefined);
      const applied = await kube.apply(deployment(ns, { labels: { owner: ns }, containers: [{ name: 'web', image: 'web:1', env: [{ name: 'A', value: '1' }] }] }), 'driftless');
      expect(((applied.metadata['managedFields'] ?? []) as unknown[]).length).toBeGreaterThan(0);
      expect(fieldSets(applied)).toEqual([]);
      expect(fieldSets(await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }))).toEqual([]);
      const listed = await kube.list('apps/v1', 'Deployment', `owner=${ns}`);
      expect(listed.length).toBe(1);
      expect(listed.flatMap(fieldSets)).toEqual([]);
    });

    it('merges containers by name: another manager\'s container stays, our dropped fields go', async () => {
      const ns = await namespace();
      await kube.apply(deployment(ns, { containers: [{ name: 'web', image: 'web:1', args: ['--a'] }] }), 'driftless');
      await kube.apply(deployment(ns, { containers: [{ name: 'mesh', image: 'mesh:1' }] }), 'mesh-injector');
      const live = (await kube.apply(deployment(ns, { containers: [{ name: 'web', image: 'web:2' }] }), 'driftless')) as Obj;
      const containers = ((live.spec?.['template'] as Obj['spec'])?.['spec'] as { containers: { name: string; image: string; args?: string[] }[] }).containers;
      expect(containers.map((c) => [c.name, c.image, c.args]).sort()).toEqual([['mesh', 'mesh:1', undefined], ['web', 'web:2', undefined]]);
    });

    it('counts reads (get, list, discovery) and writes (apply, delete), refused ones included', async () => {
      expect(kube.counters).toEqual({ reads: 0, writes: 0 });
      await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
      await kube.list('v1', 'Namespace', 'none=here');
      await kube.resourceOf('v1', 'ConfigMap');
      expect(kube.counters).toEqual({ reads: 3, writes: 0 });
      const ns = await namespace();
      await refusal(kube.apply(configMap(uniqueName('missing'), 'a', {}), 'driftless'));
      await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'none' });
      expect(kube.counters).toEqual({ reads: 3, writes: 3 });
    });

    it('keeps an object with finalizers, marked for deletion, until they are removed', async () => {
      const ns = await namespace();
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'f' };
      const withFinalizers = (finalizers: string[]): KubeObject => ({ ...configMap(ns, 'f', {}), metadata: { name: 'f', namespace: ns, finalizers } });
      await kube.apply(withFinalizers(['driftless.dev/test']), 'driftless');
      expect(await kube.delete(ref)).toBe(true);
      expect(Number.isFinite(millis((await kube.get(ref))?.metadata['deletionTimestamp']))).toBe(true);
      expect(await kube.delete(ref)).toBe(true);
      await kube.apply(withFinalizers([]), 'driftless');
      expect(await kube.get(ref)).toBeUndefined();
    });

    it('deletes a Namespace: gone, or Terminating where no namespace controller runs, refusing new content either way', async () => {
      const ns = await namespace();
      await kube.apply(configMap(ns, 'old', {}), 'driftless');
      const ref = { apiVersion: 'v1', kind: 'Namespace', name: ns };
      expect(await kube.delete(ref)).toBe(true);
      const live = (await kube.get(ref)) as Obj | undefined;
      const created = await refusal(kube.apply(configMap(ns, 'new', {}), 'driftless'));
      if (live) {
        expect(live.status).toEqual({ phase: 'Terminating' });
        expect(Number.isFinite(millis(live.metadata['deletionTimestamp']))).toBe(true);
        expect(created).toMatchObject({ code: 'KubeRefused', data: { object: `ConfigMap/${ns}/new`, status: 403 } });
        expect((await kube.apply(configMap(ns, 'old', { still: 'writable' }), 'driftless'))['data']).toEqual({ still: 'writable' });
        expect(await kube.delete(ref)).toBe(true);
      } else {
        expect(created).toMatchObject({ code: 'KubeRefused', data: { object: `ConfigMap/${ns}/new`, status: 404 } });
      }
    });

    it('puts a namespaced object given no namespace in `default`', async () => {
      const name = uniqueName('cm');
      expect((await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: {} }, 'driftless')).metadata.namespace).toBe('default');
      expect(await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name })).toBe(true);
    });
  });
}
