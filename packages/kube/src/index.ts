export { createKubeTarget, type KubeRequestCounters, type RealKubeTarget } from './kube-target.js';
