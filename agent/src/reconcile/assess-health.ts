import type { Change } from './change-set.js';
import { healthOf } from './health.js';

/** An object that is not healthy, and why (`healthOf`'s reason). */
export interface Unhealthy {
  readonly object: string;
  readonly reason: string;
}

/** The health of a pass's objects: which are still progressing and which failed for good. */
export interface HealthReport {
  readonly notReady: readonly Unhealthy[];
  readonly degraded: readonly Unhealthy[];
}

/**
 * Assesses every object of a change set that has a live form (see
 * healthOf), in the change set's order. Pure: the live objects were read or
 * returned by the API server during the pass, so this sends no request.
 */
export function assessHealth(changes: readonly Change[]): HealthReport {
  const notReady: Unhealthy[] = [];
  const degraded: Unhealthy[] = [];
  for (const c of changes) {
    if (!c.live) continue;
    const health = healthOf(c.live);
    if (health.state === 'progressing') notReady.push({ object: c.object, reason: health.reason });
    else if (health.state === 'failed') degraded.push({ object: c.object, reason: health.reason });
  }
  return { notReady, degraded };
}
