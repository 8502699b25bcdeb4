export { createAgent, type Agent, type AgentConfig, type AgentDeps, type PassResult } from './agent.js';
export { APPLYSET, applySetId, type ApplySetParentRef } from './applyset.js';
export { driftedFields } from './drift.js';
export { reconcile, type MemberCache, type Normalized, type ReconcileDeps, type ReconcileOutcome } from './reconcile.js';
export { createLeaderElector, type LeaderElector, type LeaderElectorOptions } from './leader.js';
export { prometheusMetrics, startMetricsServer, type AgentMetrics } from './metrics.js';
export { systemClock } from './system-clock.js';
