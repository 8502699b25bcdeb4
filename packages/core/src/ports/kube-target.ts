import type { KubeObject } from '../documents/kube-object.js';

/** Names one object in a cluster. `namespace` is absent for cluster-scoped objects. */
export interface KubeObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** What discovery says about a kind: its REST resource name and scope. */
export interface KubeResourceInfo {
  readonly resource: string;
  readonly namespaced: boolean;
}

/**
 * Requests an adapter sent, by whether they can change the cluster: what a
 * no-op pass must keep at zero writes. The real adapter and the in-memory one
 * both count, and the KubeTarget contract checks that they count alike.
 */
export interface KubeRequestCounters {
  reads: number;
  writes: number;
}

/**
 * A Kubernetes API as the agent needs it: a real cluster (packages/kube) or an
 * in-memory one (@driftless/fakes), both passing the same contract suite. Not-found is a
 * value; failures are DriftlessErrors: `KubeUnavailable` (transient: 429, 5xx,
 * network) or `KubeRefused` (stalled: the object is invalid, forbidden or its
 * kind unknown), whose message names the object (`Deployment/web/api apply
 * failed: …`).
 */
export interface KubeTarget {
  /**
   * Scope and resource of a kind, from discovery; a kind not in the cached
   * discovery is looked up again (a CRD applied a moment ago). Undefined when
   * the server does not serve it.
   */
  resourceOf(apiVersion: string, kind: string): Promise<KubeResourceInfo | undefined>;
  /** Server-side apply of `obj` as `fieldManager`, taking ownership of conflicting fields (force). Returns the stored object. */
  apply(obj: KubeObject, fieldManager: string): Promise<KubeObject>;
  /** The live object, or undefined when it does not exist. */
  get(ref: KubeObjectRef): Promise<KubeObject | undefined>;
  /** Live objects of one kind, in every namespace, that match a label selector (`a=b,c`). */
  list(apiVersion: string, kind: string, labelSelector: string): Promise<KubeObject[]>;
  /** Deletes an object (background propagation); false when it did not exist. */
  delete(ref: KubeObjectRef): Promise<boolean>;
}
