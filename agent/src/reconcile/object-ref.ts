import type { KubeObject, KubeObjectRef } from '@driftless/core';

/** The KubeTarget ref of an object: its apiVersion, kind, name, and namespace when it has one. */
export function kubeRefOf(o: KubeObject): KubeObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
}

/** Whether `o` is a Namespace (core group). */
export function isNamespace(o: { apiVersion: string; kind: string }): boolean {
  return o.kind === 'Namespace' && o.apiVersion === 'v1';
}
