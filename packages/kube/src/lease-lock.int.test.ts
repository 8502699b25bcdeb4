import { KubeConfig } from '@kubernetes/client-node';
import { describeLeaseLockContract, uniqueName } from '@driftless/contracts';
import { inject } from 'vitest';
import { leaseLock } from './lease-lock.js';

const kc = new KubeConfig();
kc.loadFromFile(inject('driftlessEnv').kube.kubeconfig);

// The same contract as MemoryLeaseLock (packages/fakes), so the fake cannot drift from this adapter.
describeLeaseLockContract('coordination.k8s.io Lease on kube-apiserver', () => {
  const name = uniqueName('lease');
  return { lock: leaseLock(kc, 'default', name), another: () => leaseLock(kc, 'default', name) };
});
