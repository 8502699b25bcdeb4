import { createAgent, type Agent } from '@driftless/agent';
import { systemClock } from '@driftless/clock';
import type { BundleLimits, KubeTarget, ObjectStore } from '@driftless/core';
import { benchSigningKeys } from './fleet/bench-keys.js';

/**
 * The agent a measured bench process runs (agent-memory-real-main,
 * agent-poll-main): as `driftless agent` builds it (system clock, 30 s
 * interval; no jitter, no log), verifying pointers with
 * {@link benchSigningKeys}(1), which publishAgentBundle signs with.
 */
export function benchAgent(store: ObjectStore, kube: KubeTarget, cluster: string, bundleLimits?: BundleLimits): Agent {
  return createAgent({
    clock: systemClock,
    rng: { next: () => Math.random() },
    store,
    kube,
    log: () => undefined,
    config: { cluster, intervalMs: 30_000, jitter: 0, verifyKeys: [benchSigningKeys(1).publicKey], ...(bundleLimits ? { bundleLimits } : {}) },
  });
}
