export { createKubeTarget, type RealKubeTarget } from './kube-target.js';
export { LEASE_REQUEST_TIMEOUT_MS, leaseLock } from './lease-lock.js';
export { KubeApiError, translateKubeError, type KubeOperation } from './kube-errors.js';
export { loadKubeConfig, type KubeCluster, type KubeConfigSource, type KubeUser } from './kube-config.js';
export { DEFAULT_KUBE_REQUEST_TIMEOUT_MS, type KubeClientOptions } from './request-timeout.js';
