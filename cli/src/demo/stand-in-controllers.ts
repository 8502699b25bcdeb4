import { AppsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import type { Clock } from '@driftless/core';

/** What the demo's stand-in needs. */
export interface StandInControllersDeps {
  readonly kubeconfig: KubeConfig;
  readonly clock: Clock;
  /** Between two looks at the Deployments, ms. */
  readonly everyMs: number;
  /** Its errors, in words (it keeps going). */
  readonly log: (line: string) => void;
}

/** The label every object the agent applies carries. */
const APPLIED = 'applyset.kubernetes.io/part-of';

/**
 * Stands in for the controller-manager and kubelet that the demo's local
 * kube-apiserver runs without: every `everyMs` until `signal`, each
 * Deployment the agent applied whose status lags its spec gets the status a
 * controller-manager would write once every replica is up. Without it the real
 * agent's cluster reports Progressing for ever, and its ring's health gate
 * (Applied) never passes; the simulated clusters' kube does the same instantly.
 */
export async function runStandInControllers(deps: StandInControllersDeps, signal: AbortSignal): Promise<void> {
  const apps = deps.kubeconfig.makeApiClient(AppsV1Api);
  while (!signal.aborted) {
    try {
      const list = await apps.listDeploymentForAllNamespaces({ labelSelector: APPLIED });
      for (const d of list.items.filter(lagging)) {
        const body = { status: rolledOut(d, new Date(deps.clock.now()).toISOString()) };
        await apps.patchNamespacedDeploymentStatus({ name: d.metadata?.name ?? '', namespace: d.metadata?.namespace ?? '', body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      }
    } catch (err) {
      if (!signal.aborted) deps.log(`demo: marking Deployments rolled out failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    await deps.clock.sleep(deps.everyMs, signal);
  }
}

function lagging(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  return (d.status?.observedGeneration ?? -1) < (d.metadata?.generation ?? 0) || (d.status?.availableReplicas ?? 0) < want || (d.status?.updatedReplicas ?? 0) < want;
}

/** Every replica updated, ready and available, at the latest generation. */
function rolledOut(d: V1Deployment, now: string): Record<string, unknown> {
  const n = d.spec?.replicas ?? 1;
  const condition = (type: string, reason: string) => ({ type, status: 'True', reason, lastTransitionTime: now, lastUpdateTime: now });
  return {
    observedGeneration: d.metadata?.generation ?? 1,
    replicas: n,
    updatedReplicas: n,
    readyReplicas: n,
    availableReplicas: n,
    conditions: [condition('Available', 'MinimumReplicasAvailable'), condition('Progressing', 'NewReplicaSetAvailable')],
  };
}
