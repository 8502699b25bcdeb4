import { backoffMs, jitteredIntervalMs, type Rng } from '@driftless/core';
import type { ResolvedConfig } from './agent-config.js';

/** What the loop waits for before the next pass: the interval (all is well), a backoff (after `failures` failed passes in a row), or a standby's pause. */
export type NextWait = { readonly kind: 'interval' } | { readonly kind: 'backoff'; readonly failures: number } | { readonly kind: 'standby' };

/** How long a standby waits before trying the lease again, ms: a third of the default lease. */
const STANDBY_PAUSE_MS = 5_000;

/** The pause for `next`, ms: the interval spread by the jitter, or exponential backoff with full jitter (one draw of `rng` each). */
export function waitMs(next: NextWait, config: ResolvedConfig, rng: Rng): number {
  switch (next.kind) {
    case 'interval':
      return jitteredIntervalMs(config.intervalMs, config.jitter, rng);
    case 'backoff':
      return backoffMs(next.failures, config.backoffBaseMs, config.backoffMaxMs, rng);
    case 'standby':
      return STANDBY_PAUSE_MS;
  }
}
