import { ApiException, CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { describeLeaseLockContract, uniqueName } from '@driftless/contracts';
import { inject } from 'vitest';
import { leaseLock } from './lease-lock.js';

const kc = new KubeConfig();
kc.loadFromFile(inject('driftlessEnv').kube.kubeconfig);
const leases = kc.makeApiClient(CoordinationV1Api);

/** Deletes a test's Lease from `default`, which the shared kube-apiserver keeps for every later test; a test that never created it is fine. */
async function deleteLease(name: string): Promise<void> {
  try {
    await leases.deleteNamespacedLease({ name, namespace: 'default' });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 404)) throw err;
  }
}

// The same contract as MemoryLeaseLock (packages/fakes), so the fake cannot drift from this adapter.
describeLeaseLockContract('coordination.k8s.io Lease on kube-apiserver', () => {
  const name = uniqueName('lease');
  return { lock: leaseLock(kc, 'default', name), another: () => leaseLock(kc, 'default', name), cleanup: () => deleteLease(name) };
});
