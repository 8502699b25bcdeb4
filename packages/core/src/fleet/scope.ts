import { groupOf } from '../documents/kube-object.js';

/**
 * Cluster-scoped kinds of Kubernetes itself, as `group/Kind` (core group empty).
 * Checked against a real kube-apiserver's discovery in the hub's tests.
 */
export const BUILTIN_CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment', 'storage.k8s.io/VolumeAttributesClass',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass', 'networking.k8s.io/IPAddress', 'networking.k8s.io/ServiceCIDR',
  'certificates.k8s.io/CertificateSigningRequest', 'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'resource.k8s.io/DeviceClass', 'resource.k8s.io/ResourceSlice', 'resource.k8s.io/DeviceTaintRule',
  'storagemigration.k8s.io/StorageVersionMigration',
  'internal.apiserver.k8s.io/StorageVersion',
]);

/**
 * The `group/Kind` of every cluster-scoped custom resource that CRDs among
 * `objects` declare (`spec.scope: Cluster`).
 */
export function clusterScopedFromCrds(objects: readonly unknown[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const crd = o as { apiVersion?: unknown; kind?: unknown; spec?: { group?: unknown; scope?: unknown; names?: { kind?: unknown } } };
    if (crd.kind !== 'CustomResourceDefinition' || typeof crd.apiVersion !== 'string' || groupOf(crd.apiVersion) !== 'apiextensions.k8s.io') continue;
    if (crd.spec?.scope === 'Cluster' && typeof crd.spec.group === 'string' && typeof crd.spec.names?.kind === 'string') {
      out.add(`${crd.spec.group}/${crd.spec.names.kind}`);
    }
  }
  return out;
}

/** Whether objects of `apiVersion`/`kind` are cluster-scoped, given the extra cluster-scoped kinds of this bundle's CRDs. */
export function isClusterScoped(apiVersion: string, kind: string, fromCrds: ReadonlySet<string>): boolean {
  const key = `${groupOf(apiVersion)}/${kind}`;
  return BUILTIN_CLUSTER_SCOPED.has(key) || fromCrds.has(key);
}
