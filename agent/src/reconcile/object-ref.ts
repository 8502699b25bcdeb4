import { APP_ANNOTATION, PREVIEW_LABEL, type KubeObject, type KubeObjectRef } from '@driftless/core';

/** The KubeTarget ref of an object: its apiVersion, kind, name, and namespace when it has one. */
export function kubeRefOf(o: KubeObject): KubeObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
}

/** Whether `o` is a Namespace (core group). */
export function isNamespace(o: { apiVersion: string; kind: string }): boolean {
  return o.kind === 'Namespace' && o.apiVersion === 'v1';
}

/**
 * Whose live `o` is (a leftover to prune, whose bundle of origin is gone), to spread into its change entry: `app` when it names its app
 * (APP_ANNOTATION), `preview` when it belongs to a preview environment
 * (PREVIEW_LABEL, whose value names the preview); each absent otherwise.
 */
export function ownerOf(o: KubeObject): { readonly app?: string; readonly preview?: string } {
  const preview = previewOf(o);
  return { ...appOf(o), ...(preview !== undefined ? { preview } : {}) };
}

/** `app` when `o` names its app (APP_ANNOTATION), to spread into its change entry; empty otherwise. */
export function appOf(o: KubeObject): { readonly app?: string } {
  const app = (o.metadata['annotations'] as Record<string, unknown> | undefined)?.[APP_ANNOTATION];
  return typeof app === 'string' && app !== '' ? { app } : {};
}

/** The preview `o` belongs to (its PREVIEW_LABEL's value), or undefined for an object of the release. */
export function previewOf(o: KubeObject): string | undefined {
  const preview = (o.metadata['labels'] as Record<string, unknown> | undefined)?.[PREVIEW_LABEL];
  return typeof preview === 'string' && preview !== '' ? preview : undefined;
}
