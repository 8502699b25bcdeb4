import type { Phase, Status } from '@driftless/core';
import type { Change, ReconcileOutcome } from './reconcile/change-set.js';

/** One app's objects in a pass: how many, how many ready, refused by the API server, failed for good, and not ready yet. */
export interface AppTally {
  readonly total: number;
  readonly ready: number;
  readonly failed: number;
  readonly degraded: number;
  readonly notReady: number;
}

/**
 * The apps of a pass, by each change's `app` (the object's APP_ANNOTATION):
 * every object of the desired state counts in its app's total; one refused
 * counts as failed; one whose health is failed (a failed Job), or one of the
 * app that left the bundle and could not be pruned, as degraded; one still
 * progressing as not ready (health from `outcome`, see outcomeOf). An app
 * is one the desired state holds: objects of apps that left it count in
 * no app. Pure.
 */
export function tallyApps(changes: readonly Change[], outcome: ReconcileOutcome): ReadonlyMap<string, AppTally> {
  const notReady = new Set(outcome.notReady.map((u) => u.object));
  const degraded = new Set(outcome.degraded.map((u) => u.object));
  const apps = new Map<string, { total: number; ready: number; failed: number; degraded: number; notReady: number }>();
  for (const c of changes) {
    if (c.app === undefined || c.action === 'pruned' || c.stage === 'prune') continue;
    const app = apps.get(c.app) ?? { total: 0, ready: 0, failed: 0, degraded: 0, notReady: 0 };
    apps.set(c.app, app);
    app.total += 1;
    if (c.action === 'failed') app.failed += 1;
    if (degraded.has(c.object)) app.degraded += 1;
    else if (notReady.has(c.object)) app.notReady += 1;
    else if (c.action !== 'failed') app.ready += 1;
  }
  for (const c of changes) {
    const app = c.stage === 'prune' && c.app !== undefined ? apps.get(c.app) : undefined;
    if (app) app.degraded += 1;
  }
  return apps;
}

/**
 * The status's `apps` (see statusSchema): per app its phase (Failed when one
 * of its objects was refused, Degraded when one failed for good or, past the
 * progress deadline, `overdue`, is still not ready, Progressing while one is
 * not ready, else Applied), ready and total; undefined when no object is
 * annotated.
 */
export function appsStatus(tally: ReadonlyMap<string, AppTally>, overdue: boolean): Status['apps'] {
  if (tally.size === 0) return undefined;
  const apps: NonNullable<Status['apps']> = {};
  for (const [name, t] of [...tally].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) apps[name] = { phase: phaseOf(t, overdue), ready: t.ready, total: t.total };
  return apps;
}

function phaseOf(t: AppTally, overdue: boolean): Phase {
  if (t.failed > 0) return 'Failed';
  if (t.degraded > 0) return 'Degraded';
  if (t.notReady > 0) return overdue ? 'Degraded' : 'Progressing';
  return 'Applied';
}
