import { createKubeTarget } from '@driftless/kube';
import { inject } from 'vitest';
import { kubeConfigFor } from '../vitest/clients.js';
import { describeKubeTargetContract } from './kube-target-contract.js';

// The real adapter runs the contract here, beside the fake, as the store adapters do
// (packages/kube cannot depend on the testkit, which depends on it).
describeKubeTargetContract('kube-apiserver', () => ({ kube: createKubeTarget(kubeConfigFor(inject('driftlessEnv'))) }));
