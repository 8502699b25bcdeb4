import { DEFAULT_NAMESPACE_ANNOTATION, groupOf, scopesFromCrds, type KubeObject, type KubeTarget } from '@driftless/core';

/** Where an object goes: a namespace, cluster scope (`''`), or unknown while nobody serves its kind. */
export type Placement = string | undefined;

/**
 * The scope of each kind of `objects`, by `group/Kind` (true: namespaced):
 * from API discovery (KubeTarget.resourceOf), or, for a kind not served yet,
 * from a CRD among `bundle` that declares it (it is applied, and waited for,
 * before the objects that need it). Absent for a kind nobody serves or
 * declares: its objects stay as the bundle has them, and their apply fails
 * by name.
 */
export async function discoverScopes(objects: readonly KubeObject[], bundle: readonly KubeObject[], kube: KubeTarget): Promise<Map<string, boolean>> {
  const declared = scopesFromCrds(bundle);
  const scopes = new Map<string, boolean>();
  const asked = new Set<string>();
  for (const o of objects) {
    const gk = `${groupOf(o.apiVersion)}/${o.kind}`;
    if (asked.has(gk)) continue;
    asked.add(gk);
    const info = await kube.resourceOf(o.apiVersion, o.kind);
    const fromCrd = declared.get(gk);
    const namespaced = info?.namespaced ?? (fromCrd === undefined ? undefined : fromCrd === 'namespaced');
    if (namespaced !== undefined) scopes.set(gk, namespaced);
  }
  return scopes;
}

/**
 * Where `obj` belongs given whether its kind is `namespaced` (undefined:
 * unknown): a namespaced object in its own namespace, else the bundle's
 * default for it ({@link DEFAULT_NAMESPACE_ANNOTATION}), else `default` (as
 * kubectl would); a cluster-scoped one nowhere (`''`), whatever namespace the
 * bundle gave it.
 */
export function placementOf(obj: KubeObject, namespaced: boolean | undefined): Placement {
  if (namespaced === false) return '';
  if (namespaced === undefined) return obj.metadata.namespace;
  const hint = (obj.metadata['annotations'] as Record<string, string> | undefined)?.[DEFAULT_NAMESPACE_ANNOTATION];
  return obj.metadata.namespace ?? hint ?? 'default';
}

/**
 * `obj` placed (see placementOf), without the placement hint, which is the
 * agent's and never reaches the cluster. The object itself when nothing changes.
 */
export function placed(obj: KubeObject, placement: Placement): KubeObject {
  const annotations = obj.metadata['annotations'] as Record<string, string> | undefined;
  const hinted = annotations !== undefined && DEFAULT_NAMESPACE_ANNOTATION in annotations;
  const namespace = placement === '' ? undefined : placement;
  if (!hinted && namespace === obj.metadata.namespace) return obj;
  const { namespace: _old, annotations: _annotations, ...rest } = obj.metadata;
  const kept = Object.entries(annotations ?? {}).filter(([k]) => k !== DEFAULT_NAMESPACE_ANNOTATION);
  return {
    ...obj,
    metadata: { ...rest, ...(namespace !== undefined ? { namespace } : {}), ...(kept.length > 0 ? { annotations: Object.fromEntries(kept) } : {}) },
  };
}
