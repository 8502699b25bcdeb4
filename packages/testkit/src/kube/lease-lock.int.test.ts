import { leaseLock } from '@driftless/kube';
import { inject } from 'vitest';
import { kubeConfigFor, uniqueName } from '../vitest/clients.js';
import { describeLeaseLockContract } from './lease-lock-contract.js';

// The real adapter runs the contract here, beside the fake, as the KubeTarget does
// (packages/kube cannot depend on the testkit, which depends on it).
describeLeaseLockContract('coordination.k8s.io Lease on kube-apiserver', () => {
  const kc = kubeConfigFor(inject('driftlessEnv'));
  const name = uniqueName('lease');
  return { lock: leaseLock(kc, 'default', name), another: () => leaseLock(kc, 'default', name) };
});
