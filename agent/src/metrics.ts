import type { PassResult } from './pass-result.js';

/**
 * What the agent reports after each pass: the result (or `standby` when
 * another pod holds the lease) and how long it took, ms. Implementations:
 * prometheusMetrics, or none.
 */
export interface AgentMetrics {
  observePass(result: PassResult | 'standby', durationMs: number): void;
  /** The pause the loop takes before its next pass, ms (the interval, or a backoff after failures). */
  observePause?(ms: number): void;
  /** A Kubernetes request settled (answered or failed) during a pass: the pass is making progress, though it has not completed. */
  observeProgress?(): void;
}
