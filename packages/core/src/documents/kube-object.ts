import { z } from 'zod';

/**
 * A Kubernetes object as Driftless carries it: any fields, but always
 * `apiVersion`, `kind` and `metadata.name` (and `metadata.namespace` for
 * namespaced objects). Unknown fields are kept as they are.
 */
export const kubeObjectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().min(1).optional(),
  }),
});

export type KubeObject = z.infer<typeof kubeObjectSchema>;

/** What identifies an object in a cluster: API group, kind, namespace (empty when cluster-scoped) and name. */
export interface ObjectRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** The API group of an apiVersion: `apps/v1` -> `apps`, `v1` (core) -> ``. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The {@link ObjectRef} of an object. */
export function refOf(obj: KubeObject): ObjectRef {
  return { group: groupOf(obj.apiVersion), kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

/** `Deployment/web/api`, `apps` omitted: the way messages name an object (kind/namespace/name, or kind/name). */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** Orders refs by (group, kind, namespace, name), comparing UTF-16 code units: locale-independent and total. */
export function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return cmp(a.group, b.group) || cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable string key of a ref, for maps and sets. */
export function refKey(ref: ObjectRef): string {
  return `${ref.group}|${ref.kind}|${ref.namespace}|${ref.name}`;
}
