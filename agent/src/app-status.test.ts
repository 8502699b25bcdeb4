import type { KubeObject } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { appsStatus, tallyApps } from './app-status.js';
import { outcomeOf, type Change } from './reconcile/change-set.js';

const rolling = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'app', generation: 2 }, status: { observedGeneration: 1 } } as unknown as KubeObject;
const failedJob = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'app' }, status: { conditions: [{ type: 'Failed', status: 'True' }] } } as unknown as KubeObject;
const plain = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' } } as KubeObject;
const ok = (object: string, app?: string): Change => ({ object, action: 'unchanged', reason: 'in sync', live: plain, ...(app ? { app } : {}) });

/** The apps of a change set as the status says them, before and after the progress deadline. */
const statusOf = (changes: Change[], overdue = false) => appsStatus(tallyApps(changes, outcomeOf(changes)), overdue);

describe('per-app status', () => {
  it.each<[string, Change[], boolean, object | undefined]>([
    ['no object annotated: no apps at all', [ok('a'), ok('b')], false, undefined],
    ['objects without the annotation count in no app', [ok('a', 'web'), ok('b')], false, { web: { phase: 'Applied', ready: 1, total: 1 } }],
    ['every object ready: Applied, per app', [ok('a', 'web'), ok('b', 'web'), ok('c', 'pr-1/web')], false, {
      web: { phase: 'Applied', ready: 2, total: 2 },
      'pr-1/web': { phase: 'Applied', ready: 1, total: 1 },
    }],
    ['one object refused by the API server: that app Failed, the others as they are', [
      ok('a', 'web'),
      { object: 'ConfigMap/pr-1/x', action: 'failed', reason: 'ConfigMap/pr-1/x apply failed: no', app: 'pr-1/web' },
      ok('c', 'pr-1/web'),
    ], false, { web: { phase: 'Applied', ready: 1, total: 1 }, 'pr-1/web': { phase: 'Failed', ready: 1, total: 2 } }],
    ['one object not ready: Progressing; past the progress deadline Degraded', [ok('a', 'web'), { object: 'Deployment/app/api', action: 'unchanged', reason: 'in sync', live: rolling, app: 'web' }], false, {
      web: { phase: 'Progressing', ready: 1, total: 2 },
    }],
    ['not ready past the progress deadline: Degraded', [{ object: 'Deployment/app/api', action: 'created', reason: 'not in the cluster', live: rolling, app: 'web' }], true, {
      web: { phase: 'Degraded', ready: 0, total: 1 },
    }],
    ['a failed Job: Degraded', [ok('a', 'web'), { object: 'Job/app/j', action: 'created', reason: 'not in the cluster', live: failedJob, app: 'web' }], false, {
      web: { phase: 'Degraded', ready: 1, total: 2 },
    }],
    ['an object of the app that could not be pruned: Degraded, not counted in its total', [
      ok('a', 'web'),
      { object: 'ConfigMap/app/old', action: 'failed', stage: 'prune', reason: 'ConfigMap/app/old delete failed: forbidden', app: 'web' },
      { object: 'ConfigMap/pr-9/old', action: 'failed', stage: 'prune', reason: 'ConfigMap/pr-9/old delete failed: forbidden', app: 'pr-9/web' },
    ], false, { web: { phase: 'Degraded', ready: 1, total: 1 } }],
    ['a pruned object counts in no app', [ok('a', 'web'), { object: 'ConfigMap/app/gone', action: 'pruned', reason: 'left the bundle', app: 'web' }], false, {
      web: { phase: 'Applied', ready: 1, total: 1 },
    }],
  ])('%s', (_what, changes, overdue, expected) => {
    expect(statusOf(changes, overdue)).toEqual(expected);
  });
});
