import { groupOf } from '../documents/kube-object.js';

/**
 * Cluster-scoped kinds of Kubernetes itself, as `group/Kind` (core group empty).
 * Checked against a real kube-apiserver's discovery in the testkit's tests.
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
 * Namespaced kinds of Kubernetes itself, as `group/Kind` (core group empty).
 * Checked against a real kube-apiserver's discovery in the testkit's tests.
 */
export const BUILTIN_NAMESPACED: ReadonlySet<string> = new Set([
  '/ConfigMap', '/Endpoints', '/Event', '/LimitRange', '/PersistentVolumeClaim', '/Pod', '/PodTemplate',
  '/ReplicationController', '/ResourceQuota', '/Secret', '/Service', '/ServiceAccount',
  'apps/ControllerRevision', 'apps/DaemonSet', 'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet',
  'autoscaling/HorizontalPodAutoscaler',
  'batch/CronJob', 'batch/Job',
  'certificates.k8s.io/PodCertificateRequest',
  'coordination.k8s.io/Lease',
  'discovery.k8s.io/EndpointSlice',
  'events.k8s.io/Event',
  'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy',
  'policy/PodDisruptionBudget',
  'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding',
  'resource.k8s.io/ResourceClaim', 'resource.k8s.io/ResourceClaimTemplate',
  'storage.k8s.io/CSIStorageCapacity',
]);

/** What the hub knows of a kind's scope: from Kubernetes itself or a CRD in the same bundle, or nothing (`unknown`). */
export type KindScope = 'namespaced' | 'cluster' | 'unknown';

/**
 * The scope, by `group/Kind`, of every custom resource that CRDs among
 * `objects` declare (`spec.scope`: `Cluster` or `Namespaced`).
 */
export function scopesFromCrds(objects: readonly unknown[]): Map<string, Exclude<KindScope, 'unknown'>> {
  const out = new Map<string, Exclude<KindScope, 'unknown'>>();
  for (const o of objects) {
    const crd = o as { apiVersion?: unknown; kind?: unknown; spec?: { group?: unknown; scope?: unknown; names?: { kind?: unknown } } };
    if (crd.kind !== 'CustomResourceDefinition' || typeof crd.apiVersion !== 'string' || groupOf(crd.apiVersion) !== 'apiextensions.k8s.io') continue;
    const { group, scope } = crd.spec ?? {};
    const kind = crd.spec?.names?.kind;
    if (typeof group !== 'string' || typeof kind !== 'string') continue;
    if (scope === 'Cluster') out.set(`${group}/${kind}`, 'cluster');
    if (scope === 'Namespaced') out.set(`${group}/${kind}`, 'namespaced');
  }
  return out;
}

/**
 * The scope of objects of `apiVersion`/`kind` as far as the hub can know it:
 * Kubernetes' own kinds, and kinds the CRDs of this same bundle declare
 * (`fromCrds`, see scopesFromCrds). Any other kind is `unknown`: only the
 * cluster it reaches can tell, through discovery.
 */
export function scopeOf(apiVersion: string, kind: string, fromCrds: ReadonlyMap<string, Exclude<KindScope, 'unknown'>>): KindScope {
  const key = `${groupOf(apiVersion)}/${kind}`;
  if (BUILTIN_CLUSTER_SCOPED.has(key)) return 'cluster';
  if (BUILTIN_NAMESPACED.has(key)) return 'namespaced';
  return fromCrds.get(key) ?? 'unknown';
}
