/**
 * What the in-memory API server knows about one kind: discovery (resource,
 * scope) and the few server behaviours the agent can observe, as measured on
 * kube-apiserver 1.37 without a controller-manager.
 */
export interface KindInfo {
  readonly kind: string;
  /** Plural REST resource name (`deployments`). */
  readonly resource: string;
  readonly namespaced: boolean;
  /**
   * Whether the server keeps `metadata.generation`, and what bumps it: `spec`
   * is any change outside metadata (and outside status when status is a
   * subresource); `spec+annotations` also counts annotations (Deployments:
   * their annotations are copied to ReplicaSets).
   */
  readonly generation?: 'spec' | 'spec+annotations';
  /** Status is a subresource: apply ignores it, only the status writer (controllers, setStatus) sets it. */
  readonly statusSubresource?: boolean;
  /** The status the API server itself writes on create (zero values of the typed status). */
  readonly initialStatus?: Readonly<Record<string, unknown>>;
  /** How names are validated: DNS-1123 label, DNS-1123 subdomain (the default), or any path segment. */
  readonly names?: 'label' | 'subdomain' | 'path';
  /** Set for kinds a CustomResourceDefinition registered: that CRD's name. */
  readonly crd?: string;
}

type Row = readonly [apiVersions: string, kind: string, resource: string, namespaced: boolean, extra?: Omit<KindInfo, 'kind' | 'resource' | 'namespaced'>];

const WORKLOAD = { generation: 'spec', statusSubresource: true } as const;

/** Built-in kinds, by `apiVersion` (several where the server serves more than one version). */
const ROWS: readonly Row[] = [
  ['v1', 'Namespace', 'namespaces', false, { statusSubresource: true, names: 'label' }],
  ['v1', 'ConfigMap', 'configmaps', true],
  ['v1', 'Secret', 'secrets', true],
  ['v1', 'Service', 'services', true, { statusSubresource: true, initialStatus: { loadBalancer: {} }, names: 'label' }],
  ['v1', 'ServiceAccount', 'serviceaccounts', true],
  ['v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { statusSubresource: true, initialStatus: { phase: 'Pending' } }],
  ['v1', 'PersistentVolume', 'persistentvolumes', false, { statusSubresource: true, initialStatus: { phase: 'Pending' } }],
  ['v1', 'Pod', 'pods', true, { statusSubresource: true }],
  ['v1', 'PodTemplate', 'podtemplates', true],
  ['v1', 'ReplicationController', 'replicationcontrollers', true, { ...WORKLOAD, initialStatus: { replicas: 0 } }],
  ['v1', 'Endpoints', 'endpoints', true],
  ['v1', 'Event', 'events', true],
  ['v1', 'LimitRange', 'limitranges', true],
  ['v1', 'ResourceQuota', 'resourcequotas', true, { statusSubresource: true, initialStatus: {} }],
  ['apps/v1', 'Deployment', 'deployments', true, { generation: 'spec+annotations', statusSubresource: true, initialStatus: {} }],
  ['apps/v1', 'StatefulSet', 'statefulsets', true, { ...WORKLOAD, initialStatus: { availableReplicas: 0, replicas: 0 } }],
  [
    'apps/v1', 'DaemonSet', 'daemonsets', true,
    { ...WORKLOAD, initialStatus: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 } },
  ],
  ['apps/v1', 'ReplicaSet', 'replicasets', true, { ...WORKLOAD, initialStatus: { replicas: 0 } }],
  ['apps/v1', 'ControllerRevision', 'controllerrevisions', true],
  ['batch/v1', 'Job', 'jobs', true, { ...WORKLOAD, initialStatus: {} }],
  ['batch/v1', 'CronJob', 'cronjobs', true, { ...WORKLOAD, initialStatus: {} }],
  ['autoscaling/v1 autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { ...WORKLOAD, initialStatus: { currentMetrics: null, desiredReplicas: 0 } }],
  [
    'policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true,
    { ...WORKLOAD, initialStatus: { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 } },
  ],
  ['networking.k8s.io/v1', 'Ingress', 'ingresses', true, { ...WORKLOAD, initialStatus: { loadBalancer: {} } }],
  ['networking.k8s.io/v1', 'IngressClass', 'ingressclasses', false, { generation: 'spec' }],
  ['networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', true, { generation: 'spec' }],
  ['discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices', true, { generation: 'spec' }],
  ['events.k8s.io/v1', 'Event', 'events', true],
  ['coordination.k8s.io/v1', 'Lease', 'leases', true],
  ['rbac.authorization.k8s.io/v1', 'Role', 'roles', true, { names: 'path' }],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true, { names: 'path' }],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false, { names: 'path' }],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false, { names: 'path' }],
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { generation: 'spec', statusSubresource: true }],
  ['apiregistration.k8s.io/v1', 'APIService', 'apiservices', false, { statusSubresource: true }],
  ['admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, { generation: 'spec' }],
  ['admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, { generation: 'spec' }],
  ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false, WORKLOAD],
  ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false, { generation: 'spec' }],
  ['scheduling.k8s.io/v1', 'PriorityClass', 'priorityclasses', false, { generation: 'spec' }],
  ['storage.k8s.io/v1', 'StorageClass', 'storageclasses', false],
  ['storage.k8s.io/v1', 'CSIDriver', 'csidrivers', false],
  ['node.k8s.io/v1', 'RuntimeClass', 'runtimeclasses', false],
];

/** The built-in kinds by `apiVersion`, then kind; shared by every instance (read-only). */
export const BUILTIN_KINDS: ReadonlyMap<string, ReadonlyMap<string, KindInfo>> = (() => {
  const table = new Map<string, Map<string, KindInfo>>();
  for (const [apiVersions, kind, resource, namespaced, extra] of ROWS) {
    for (const apiVersion of apiVersions.split(' ')) {
      const kinds = table.get(apiVersion) ?? new Map<string, KindInfo>();
      kinds.set(kind, { kind, resource, namespaced, ...extra });
      table.set(apiVersion, kinds);
    }
  }
  return table;
})();

/** The namespaces a fresh kube-apiserver has. */
export const SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
