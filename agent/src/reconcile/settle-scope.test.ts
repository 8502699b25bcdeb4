import { DEFAULT_NAMESPACE_ANNOTATION, type KubeObject } from '@driftless/core';
import { MemoryKubeTarget } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { discoverScopes, placed, placementOf } from './settle-scope.js';

const hinted = (namespace?: string): KubeObject => ({
  apiVersion: 'ex.dev/v1',
  kind: 'Thing',
  metadata: { name: 't', ...(namespace ? { namespace } : {}), annotations: { [DEFAULT_NAMESPACE_ANNOTATION]: 'app', keep: 'me' } },
});

describe('placementOf and placed', () => {
  it.each<[string, KubeObject, boolean | undefined, string | undefined]>([
    ['namespaced, own namespace wins over the hint', hinted('own'), true, 'own'],
    ['namespaced, no namespace: the hint', hinted(), true, 'app'],
    ['namespaced, neither: default, as kubectl does', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, true, 'default'],
    ['cluster-scoped: no namespace, whatever the bundle said', hinted('own'), false, ''],
    ['unknown (not served): as the bundle has it', hinted(), undefined, undefined],
  ])('%s', (_what, obj, namespaced, expected) => {
    const placement = placementOf(obj, namespaced);
    expect(placement).toBe(expected);
    const out = placed(obj, placement);
    expect(out.metadata.namespace).toBe(expected === '' ? undefined : expected);
    expect(out.metadata['annotations']).toEqual(obj.kind === 'Thing' ? { keep: 'me' } : undefined);
  });

  it('returns the object itself when nothing changes', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' } };
    expect(placed(cm, placementOf(cm, true))).toBe(cm);
  });
});

describe('discoverScopes', () => {
  it('asks discovery once per kind, and takes a kind not served yet from a CRD in the same bundle', async () => {
    const kube = new MemoryKubeTarget();
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'fences.ex.dev' },
      spec: { group: 'ex.dev', scope: 'Cluster', names: { plural: 'fences', kind: 'Fence' }, versions: [{ name: 'v1', served: true, storage: true }] },
    } as KubeObject;
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } },
      { apiVersion: 'ex.dev/v1', kind: 'Fence', metadata: { name: 'f' } },
      { apiVersion: 'nobody.dev/v1', kind: 'Ghost', metadata: { name: 'g' } },
    ];
    const scopes = await discoverScopes(objects, [...objects, crd], kube);
    expect(Object.fromEntries(scopes)).toEqual({ '/ConfigMap': true, '/Namespace': false, 'ex.dev/Fence': false });
    expect(kube.counters.reads).toBe(4);
  });
});
