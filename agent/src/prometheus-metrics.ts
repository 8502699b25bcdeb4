import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentMetrics } from './metrics.js';

/** Metrics with a registry to serve and a readiness flag (see startMetricsServer). */
export interface ServedMetrics {
  readonly registry: Registry;
  /** Whether a first pass has run. */
  ready(): boolean;
}

/**
 * The agent's Prometheus metrics, in their own registry (no global state),
 * labelled with `cluster`. `driftless_agent_insecure` is 1 when the agent runs
 * with `insecureSkipVerify` (it accepts unsigned pointers), else 0.
 */
export function prometheusMetrics(cluster: string, opts: { readonly insecureSkipVerify?: boolean } = {}): AgentMetrics & ServedMetrics {
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
  insecure.set(opts.insecureSkipVerify === true ? 1 : 0);
  for (const r of ['not-modified', 'changed', 'none', 'error']) polls.inc({ result: r }, 0);
  for (const a of ['applied', 'pruned', 'drift_corrected']) objects.inc({ action: a }, 0);
  let passed = false;
  return {
    registry,
    ready: () => passed,
    observePass(result, durationMs) {
      passed = true;
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
