import type { KubeTarget } from '@driftless/core';

/**
 * `kube`, calling `progress` each time one of its requests settles (answered
 * or failed): a long pass (the first apply of thousands of objects on a remote
 * API server) shows it is moving, so liveness does not restart it, while a
 * hung request shows nothing.
 */
export function reportingProgress(kube: KubeTarget, progress: () => void): KubeTarget {
  const settled = <T>(request: Promise<T>): Promise<T> => request.finally(progress);
  return {
    resourceOf: (apiVersion, kind) => settled(kube.resourceOf(apiVersion, kind)),
    apply: (obj, fieldManager) => settled(kube.apply(obj, fieldManager)),
    get: (ref) => settled(kube.get(ref)),
    list: (apiVersion, kind, labelSelector) => settled(kube.list(apiVersion, kind, labelSelector)),
    delete: (ref) => settled(kube.delete(ref)),
  };
}
