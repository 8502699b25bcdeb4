import { ApiextensionsV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { uniqueName } from '@driftless/contracts';
import { describe, expect, inject, it } from 'vitest';
import { kubeConfigFor } from '../vitest/clients.js';

const env = inject('driftlessEnv');
const kc = kubeConfigFor(env);
const objects = KubernetesObjectApi.makeApiClient(kc);
const crds = kc.makeApiClient(ApiextensionsV1Api);

async function apply(obj: KubernetesObject): Promise<KubernetesObject> {
  return await objects.patch(obj, undefined, undefined, 'driftless', true, PatchStrategy.ServerSideApply);
}

/** Polls `read` until `done` holds; the test's timeout bounds the wait. */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, pause));
  }
}

describe('kube-apiserver through @kubernetes/client-node', () => {
  it('creates a ConfigMap by server-side apply, and re-applying it changes nothing', async () => {
    const namespace = uniqueName('env');
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data: { color: 'blue' } };
    const created = await apply(cm);
    expect(created.metadata?.uid).toBeTruthy();
    const again = await apply(cm);
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const live = await objects.read<KubernetesObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace },
    });
    expect(live.data).toEqual({ color: 'blue' });
    expect(live.metadata?.managedFields?.map((f) => f.manager)).toContain('driftless');
  });

  it('applies a CRD, sees it Established, then applies a custom resource of it', async () => {
    const group = `${uniqueName('t')}.driftless.dev`;
    const crdName = `widgets.${group}`;
    await apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    } as KubernetesObject);
    await eventually(
      () => crds.readCustomResourceDefinition({ name: crdName }),
      (crd) => crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false,
    );
    const widget = await apply({
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'default' },
      spec: { size: 3 },
    } as KubernetesObject);
    expect((widget as KubernetesObject & { spec: { size: number } }).spec.size).toBe(3);
  });
});
