import { groupOf, type KubeObject } from '@driftless/core';

/** How a live object is doing, in the spirit of kstatus. */
export type Health = { readonly state: 'ready' } | { readonly state: 'progressing' | 'failed'; readonly reason: string };

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const ready: Health = { state: 'ready' };
const progressing = (reason: string): Health => ({ state: 'progressing', reason });

/**
 * The health of a live object: Deployments, StatefulSets and DaemonSets once
 * the controller has seen their generation and every replica is updated and
 * available; Jobs once Complete (failed when Failed); PVCs once Bound; CRDs once
 * Established; anything else with a `Ready` condition when it is True. Objects
 * without status to go by are ready.
 */
export function healthOf(live: KubeObject): Health {
  const o = live as Obj;
  const group = groupOf(o.apiVersion);
  const status = o.status ?? {};
  const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);
  const observed = (): Health | undefined => {
    const generation = num(o.metadata['generation'], 0);
    return num(status['observedGeneration'], -1) < generation ? progressing('the controller has not observed the latest generation') : undefined;
  };
  if (group === 'apps' && o.kind === 'Deployment') {
    const want = num(o.spec?.['replicas'], 1);
    return (
      observed() ??
      (num(status['updatedReplicas']) < want
        ? progressing(`${num(status['updatedReplicas'])} of ${want} replicas updated`)
        : num(status['availableReplicas']) < want
          ? progressing(`${num(status['availableReplicas'])} of ${want} replicas available`)
          : ready)
    );
  }
  if (group === 'apps' && o.kind === 'StatefulSet') {
    const want = num(o.spec?.['replicas'], 1);
    return (
      observed() ??
      (num(status['readyReplicas']) < want
        ? progressing(`${num(status['readyReplicas'])} of ${want} replicas ready`)
        : status['updateRevision'] !== undefined && status['currentRevision'] !== status['updateRevision']
          ? progressing('rolling out a new revision')
          : ready)
    );
  }
  if (group === 'apps' && o.kind === 'DaemonSet') {
    const want = num(status['desiredNumberScheduled']);
    return (
      observed() ??
      (num(status['updatedNumberScheduled']) < want || num(status['numberAvailable']) < want
        ? progressing(`${num(status['numberAvailable'])} of ${want} pods available`)
        : ready)
    );
  }
  const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as { type?: string; status?: string; message?: string }[]) : [];
  const condition = (type: string): { status?: string; message?: string } | undefined => conditions.find((c) => c.type === type);
  if (group === 'batch' && o.kind === 'Job') {
    if (condition('Failed')?.status === 'True') return { state: 'failed', reason: condition('Failed')?.message ?? 'the Job failed' };
    return condition('Complete')?.status === 'True' ? ready : progressing('the Job has not completed');
  }
  if (group === '' && o.kind === 'PersistentVolumeClaim') {
    return status['phase'] === 'Bound' ? ready : progressing(`the claim is ${typeof status['phase'] === 'string' ? status['phase'] : 'Pending'}`);
  }
  if (group === 'apiextensions.k8s.io' && o.kind === 'CustomResourceDefinition') {
    return condition('Established')?.status === 'True' ? ready : progressing('the CRD is not Established');
  }
  const readyCondition = condition('Ready');
  if (readyCondition && readyCondition.status !== 'True') return progressing(readyCondition.message ?? 'not Ready');
  return ready;
}

/**
 * The part of a live object that {@link healthOf} reads and a change entry
 * names it by: apiVersion, kind, name, namespace, generation, `spec.replicas`
 * and status. A pass holds one live form per object until it ends; the
 * whole object (a Deployment's template, a ConfigMap's data) would keep the
 * bulk of every apply response of a large bundle until then.
 */
export function healthForm(live: KubeObject): KubeObject {
  const o = live as Obj;
  const { name, namespace, generation } = o.metadata as { name: string; namespace?: string; generation?: unknown };
  const replicas = o.spec?.['replicas'];
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}), ...(generation !== undefined ? { generation } : {}) },
    ...(replicas !== undefined ? { spec: { replicas } } : {}),
    ...(o.status !== undefined ? { status: o.status } : {}),
  };
}
