import { APP_ANNOTATION, type KubeObject, type KubeObjectRef } from '@driftless/core';

/** The KubeTarget ref of an object: its apiVersion, kind, name, and namespace when it has one. */
export function kubeRefOf(o: KubeObject): KubeObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
}

/** Whether `o` is a Namespace (core group). */
export function isNamespace(o: { apiVersion: string; kind: string }): boolean {
  return o.kind === 'Namespace' && o.apiVersion === 'v1';
}

/** `{ app }` when `o` names its app (APP_ANNOTATION), else nothing: spread into its change entry. */
export function appOf(o: KubeObject): { readonly app?: string } {
  const app = (o.metadata['annotations'] as Record<string, unknown> | undefined)?.[APP_ANNOTATION];
  return typeof app === 'string' && app !== '' ? { app } : {};
}
