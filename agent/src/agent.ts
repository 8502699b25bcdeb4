import { DriftlessError, type Clock, type KubeTarget, type ObjectStore, type Rng } from '@driftless/core';
import { resolveConfig, type AgentConfig } from './agent-config.js';
import { forgetSource, initialState } from './agent-state.js';
import { replayLoader } from './replay-floor.js';
import type { LeaderElector } from './leader.js';
import { createLease } from './lease.js';
import { reportingProgress } from './progress-kube.js';
import type { AgentMetrics } from './metrics.js';
import { waitMs, type NextWait } from './next-wait.js';
import type { PassResult } from './pass-result.js';
import { runPass, type PassOutcome } from './run-pass.js';
import type { PassContext } from './steps/pass-context.js';

export type { AgentConfig } from './agent-config.js';
export type { PassResult } from './pass-result.js';

/** Everything from outside, passed in (STYLE.md): the bench runs thousands of these in one process. */
export interface AgentDeps {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly store: ObjectStore;
  readonly kube: KubeTarget;
  readonly config: AgentConfig;
  /** One structured event per line; default none. */
  readonly log?: (event: Record<string, unknown>) => void;
  /** With several agent pods per cluster (a daemonset): only the lease holder reconciles. */
  readonly leader?: LeaderElector;
  readonly metrics?: AgentMetrics;
}

/**
 * One cluster's agent, made by {@link createAgent}. Its methods share one
 * state (the pointer and bundle in force, the last status written, the
 * failure count), so calls must not overlap: await one before the next.
 * Expected failures (an unreadable store, an API outage, a refused pointer)
 * are results (phase Failed or Unknown, with `error`), never rejections.
 */
export interface Agent {
  /** One poll -> verify -> apply -> prune -> status pass, ignoring any leader elector. */
  runOnce(): Promise<PassResult>;
  /** With a leader elector: take or renew the lease, then a pass only if we hold it; a pass that loses it is standby. Without one: a pass. */
  step(): Promise<PassResult | 'standby'>;
  /**
   * Passes until `signal` aborts, pausing a jittered interval after success,
   * backing off after failures (both on the injected clock), then releases
   * the lease. Resolves once stopped.
   */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The cluster-side loop. Polls `clusters/<name>/desired.json` with the last
 * ETag (a 304 costs nothing); on a new pointer, fetches the blob by digest,
 * verifies digest, signature (unless in insecure mode), replay floor and
 * expiry, and validates it; a pointer or blob that fails any check changes
 * nothing in the cluster and is reported as Failed (a missing blob is retried;
 * an expired pointer is reported Stale and the cluster left as it is).
 * Every pass, with or without a new pointer, reconciles the last good bundle
 * (drift correction), except while the pointer is stale. Status is written
 * after a change and at least every heartbeat period, never more, so an idle
 * fleet stays quiet.
 * Throws `VerifyKeyMissing` without verify keys unless `insecureSkipVerify`.
 * The pass is a list of steps (see runPass); summarize alone decides phase,
 * status, logs and the next wait.
 */
export function createAgent(deps: AgentDeps): Agent {
  const { clock, rng, store } = deps;
  const { metrics } = deps;
  const kube = metrics?.observeProgress ? reportingProgress(deps.kube, () => metrics.observeProgress?.()) : deps.kube;
  const config = resolveConfig(deps.config);
  const log = deps.log ?? (() => undefined);
  const state = initialState();
  const replay = replayLoader({ kube, store, config, log });
  // Another pod may have accepted newer pointers meanwhile: what this one remembers
  // (replay floor, pointer, ETag, bundle) could take the cluster back, so read it all again.
  const forget = (): void => {
    replay.forget();
    forgetSource(state);
  };
  const lease = createLease(deps.leader, { clock, cluster: config.cluster, log, onNewTerm: forget });
  if (config.insecure) {
    const msg = 'insecure mode (--insecure-skip-verify): pointers are not verified, so whoever can write the store controls this cluster';
    log({ level: 'warn', msg, cluster: config.cluster });
  }
  const pass = async (signal: AbortSignal | undefined): Promise<PassOutcome> => {
    const ctx: PassContext = { clock, store, kube, config, state, replay: () => replay.load(), signal };
    const outcome = await runPass(ctx, state, log);
    if (replay.current()?.superseded) forget();
    return outcome;
  };

  const step = async (): Promise<{ result: PassResult | 'standby'; next: NextWait }> => {
    const started = clock.now();
    const outcome = (await lease.hold()) ? await lease.during(pass) : 'standby';
    const done = typeof outcome === 'string' || outcome.kind === 'aborted' ? undefined : outcome;
    const result = done ? done.result : 'standby';
    deps.metrics?.observePass(result, clock.now() - started);
    return { result, next: done ? done.next : { kind: 'standby' } };
  };

  return {
    async runOnce() {
      const outcome = await pass(undefined);
      // Without a lease signal nothing can abort a pass.
      if (outcome.kind === 'aborted') {
        const invariant = 'a pass without a lease signal runs to its end';
        throw new DriftlessError('Internal', `cluster ${config.cluster} pass failed: aborted without a lease signal`, { invariant });
      }
      return outcome.result;
    },
    step: async () => (await step()).result,
    async run(signal) {
      while (!signal.aborted) {
        const { next } = await step();
        const pauseMs = waitMs(next, config, rng);
        deps.metrics?.observePause?.(pauseMs);
        await lease.pause(pauseMs, signal);
      }
      await lease.release();
    },
  };
}
