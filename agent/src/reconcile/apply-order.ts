import { groupOf, type KubeObject } from '@driftless/core';

/**
 * The order objects are applied in: CustomResourceDefinitions (so their kinds
 * exist), Namespaces (so namespaced objects have a home), other cluster-scoped
 * objects, then namespaced ones; stable within each group. Deletion goes the
 * other way. `namespaced` tells the scope of a kind (from discovery).
 */
export function applyOrder(objects: readonly KubeObject[], namespaced: (obj: KubeObject) => boolean): KubeObject[] {
  const rank = (o: KubeObject): number => {
    if (o.kind === 'CustomResourceDefinition' && groupOf(o.apiVersion) === 'apiextensions.k8s.io') return 0;
    if (o.kind === 'Namespace' && o.apiVersion === 'v1') return 1;
    return namespaced(o) ? 3 : 2;
  };
  return objects
    .map((o, i) => ({ o, i, r: rank(o) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.o);
}
