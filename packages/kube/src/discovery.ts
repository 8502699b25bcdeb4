import { isKubeAnswer, KindNotServedError } from './kube-errors.js';
import type { KubeHttp } from './kube-http.js';

/** What discovery says of one kind: its resource (plural) name and whether it lives in namespaces. */
export interface ServedResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** The root of an apiVersion's paths: `/api/v1` for the core group, else `/apis/<group>/<version>`. */
export function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/**
 * Discovery cached per apiVersion, as client-node's KubernetesObjectApi keeps
 * it: a kind missing from the cached list is looked up again, so that a CRD
 * applied earlier in the same pass is usable. A failed lookup's message names
 * the kind (`Failed to fetch resource metadata for <apiVersion>/<kind>: ...`).
 */
export function createDiscovery(http: KubeHttp, defaultNamespace = 'default'): {
  resource(apiVersion: string, kind: string): Promise<ServedResource | undefined>;
  pathOf(apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string>;
} {
  const cache = new Map<string, readonly ServedResource[]>();
  const resource = async (apiVersion: string, kind: string): Promise<ServedResource | undefined> => {
    const cached = cache.get(apiVersion)?.find((r) => r.kind === kind);
    if (cached) return cached;
    try {
      const list = await http<{ resources?: ServedResource[] }>({ method: 'GET', path: apiVersionPath(apiVersion) });
      // Only what paths need (a group's list also carries verbs, short names and storage hashes), and no subresources
      // (`deployments/status` has kind Deployment too).
      const resources = (list.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => ({ name: r.name, kind: r.kind, namespaced: r.namespaced }));
      cache.set(apiVersion, resources);
      return resources.find((r) => r.kind === kind);
    } catch (err) {
      if (isKubeAnswer(err)) err.message = `Failed to fetch resource metadata for ${apiVersion}/${kind}: ${err.message}`;
      throw err;
    }
  };
  return {
    resource,
    /**
     * The path of `name` (or of the collection, without it); a namespaced
     * kind without a namespace is in `defaultNamespace` (the context's, as
     * kubectl and client-node place it), except for a collection (every
     * namespace). A kind its served apiVersion lacks fails with
     * {@link KindNotServedError} before any other request.
     */
    async pathOf(apiVersion, kind, namespace, name) {
      const found = await resource(apiVersion, kind);
      if (!found) throw new KindNotServedError(apiVersion, kind);
      const ns = found.namespaced ? (namespace ?? (name === undefined ? undefined : defaultNamespace)) : undefined;
      const parts = [apiVersionPath(apiVersion), ...(ns ? ['namespaces', encodeURIComponent(ns)] : []), found.name, ...(name === undefined ? [] : [encodeURIComponent(name)])];
      return parts.join('/');
    },
  };
}
