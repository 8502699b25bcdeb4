import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '@driftless/core';
import type { AgentMetrics } from './metrics.js';

/** Metrics with a registry to serve, a readiness flag and a liveness verdict (see startMetricsServer). */
export interface ServedMetrics {
  readonly registry: Registry;
  /** Whether a first pass has run. */
  ready(): boolean;
  /** Why the agent is not live (no pass completed for too long), or undefined while it is. */
  stalled(): string | undefined;
}

/** What liveness is measured with. */
export interface LivenessOptions {
  /** The clock passes are timed on (the agent's own). */
  readonly clock: Clock;
  /** The agent's poll interval, ms. */
  readonly intervalMs: number;
  /** The agent accepts unsigned pointers: `driftless_agent_insecure` is 1, else 0. */
  readonly insecureSkipVerify?: boolean;
}

/**
 * The agent's Prometheus metrics, in their own registry (no global state),
 * labelled with `cluster`. Liveness: stalled once, for three intervals on
 * `clock`, no pass (standby included) has completed and no Kubernetes request
 * has settled (a long first apply keeps making progress), counted from the
 * start; after a longer pause (a backoff of up to 5 minutes) for that pause
 * and two more intervals, so a backing-off agent is not restarted for waiting
 * as it should.
 */
export function prometheusMetrics(cluster: string, liveness: LivenessOptions): AgentMetrics & ServedMetrics {
  const { clock, intervalMs } = liveness;
  let lastPassAt = clock.now();
  let lastProgressAt = lastPassAt;
  let pauseMs = 0;
  const registry = new Registry();
  registry.setDefaultLabels({ cluster });
  const polls = new Counter({ name: 'driftless_agent_polls_total', help: 'Pointer polls by result.', labelNames: ['result'] as const, registers: [registry] });
  const duration = new Histogram({
    name: 'driftless_agent_reconcile_duration_seconds',
    help: 'Duration of reconcile passes.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const objects = new Counter({ name: 'driftless_agent_objects_total', help: 'Objects applied, pruned and drift-corrected.', labelNames: ['action'] as const, registers: [registry] });
  const desired = new Gauge({ name: 'driftless_agent_desired_generation', help: 'Generation of the pointer last read.', registers: [registry] });
  const applied = new Gauge({ name: 'driftless_agent_applied_generation', help: 'Generation last applied completely.', registers: [registry] });
  const leader = new Gauge({ name: 'driftless_agent_leader', help: '1 while this pod holds the lease (or runs without election).', registers: [registry] });
  const insecure = new Gauge({ name: 'driftless_agent_insecure', help: '1 when pointers are not verified (--insecure-skip-verify).', registers: [registry] });
  insecure.set(liveness.insecureSkipVerify === true ? 1 : 0);
  for (const r of ['not-modified', 'changed', 'none', 'error']) polls.inc({ result: r }, 0);
  for (const a of ['applied', 'pruned', 'drift_corrected']) objects.inc({ action: a }, 0);
  let passed = false;
  return {
    registry,
    ready: () => passed,
    stalled() {
      const now = clock.now();
      const since = now - Math.max(lastPassAt, lastProgressAt);
      if (since <= Math.max(3 * intervalMs, pauseMs + 2 * intervalMs)) return undefined;
      const s = (ms: number): string => `${Math.round(ms / 1000)}s`;
      const limit = `3 intervals of ${s(intervalMs)}${pauseMs > intervalMs ? `, after a pause of ${s(pauseMs)}` : ''}`;
      return `no pass completed for ${s(now - lastPassAt)}, no Kubernetes request completed for ${s(now - lastProgressAt)} (${limit})`;
    },
    observePause(ms) {
      pauseMs = ms;
    },
    observeProgress() {
      // A request after the pause: the pass is under way, so the pause no longer extends the allowance.
      lastProgressAt = clock.now();
      pauseMs = 0;
    },
    observePass(result, durationMs) {
      passed = true;
      lastPassAt = clock.now();
      lastProgressAt = lastPassAt;
      pauseMs = 0;
      if (result === 'standby') {
        leader.set(0);
        return;
      }
      leader.set(1);
      polls.inc({ result: result.poll });
      duration.observe(durationMs / 1000);
      if (result.generation !== undefined) desired.set(result.generation);
      if (result.outcome) {
        objects.inc({ action: 'applied' }, result.outcome.applied);
        objects.inc({ action: 'pruned' }, result.outcome.pruned);
        objects.inc({ action: 'drift_corrected' }, result.outcome.drifted);
        if (result.phase === 'Applied' && result.generation !== undefined) applied.set(result.generation);
      }
    },
  };
}
