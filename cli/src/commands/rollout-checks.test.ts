import { API_VERSION, deliveryPlanSchema, RING_DEFAULTS, type CheckPlan, type CheckState, type CheckSummary, type Rollout } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { checkStatuses, renderCheckLine } from './rollout-checks.js';
import { renderRolloutStatus, rolloutStatusDocument } from './rollout-status.js';

const AT = '2026-01-01T00:00:40.000Z';
const errorRate: CheckPlan = { name: 'error-rate', query: 'q', max: 0.02, forMs: 5000, aggregate: 'cluster', noData: 'wait' };

/** A rollout whose ring-0 (progressDeadline 10m) lists error-rate, with `state` as its last evaluation. */
function rolloutWith(state: CheckState, noData: CheckPlan['noData'] = 'wait'): Rollout {
  const ring = { name: 'ring-0', ...RING_DEFAULTS, progressDeadlineMs: 600_000, approval: false, checks: ['error-rate'] };
  return {
    apiVersion: API_VERSION,
    kind: 'Rollout',
    id: 'r1',
    revision: 'a'.repeat(40),
    version: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: AT,
    plan: deliveryPlanSchema.parse({ mode: 'continuous-deployment', onFailure: 'halt', rings: [ring], checks: [{ ...errorRate, noData }] }),
    phase: 'Progressing',
    rings: [{ name: 'ring-0', phase: 'Progressing', wavesOpened: 1, gates: [], checks: [state] }],
    clusters: {},
  };
}

const summary = (over: Partial<CheckSummary>): CheckSummary => ({
  check: 'error-rate',
  state: 'pending',
  reason: 'r',
  max: 0.02,
  forMs: 5000,
  aggregate: 'cluster',
  breaching: 0,
  noValue: 0,
  subjects: 2,
  ...over,
});

function line(state: CheckState, s: CheckSummary, noData?: CheckPlan['noData']): string {
  const [status] = checkStatuses(rolloutWith(state, noData), 0, [s]);
  return status ? renderCheckLine(status) : '';
}

describe('rollout status checks', () => {
  it('shows a breaching value, its subject, the threshold and how long of `for` it has breached', () => {
    const state: CheckState = { check: 'error-rate', times: [AT], subjects: { 'cluster-a': { values: [0.031], breachingSince: '2026-01-01T00:00:37.000Z' } }, history: [] };
    expect(line(state, summary({ latest: { at: AT, value: 0.031, subject: 'cluster-a' }, breaching: 1 }))).toBe('  check error-rate  0.031 (cluster-a) > max 0.02  breaching 3s of 5s');
    expect(line(state, summary({ latest: { at: AT, value: '+Inf', subject: 'cluster-a' }, breaching: 2 }))).toBe(
      '  check error-rate  +Inf (cluster-a) > max 0.02  breaching 3s of 5s (2 of 2 breaching)',
    );
  });

  it('shows a value within the threshold, and a min', () => {
    const state: CheckState = { check: 'error-rate', times: [AT], subjects: { 'cluster-a': { values: [0.01] } }, history: [] };
    expect(line(state, summary({ latest: { at: AT, value: 0.01, subject: 'cluster-a' } }))).toBe('  check error-rate  0.01 (cluster-a) within max 0.02');
    expect(line(state, summary({ min: 0.5, latest: { at: AT, value: 0.01, subject: 'cluster-a' } }))).toBe('  check error-rate  0.01 (cluster-a) < min 0.5');
  });

  it('shows no data with how long and when it fails, the query error, and a check not evaluated yet', () => {
    const waiting: CheckState = { check: 'error-rate', times: [AT], subjects: { 'cluster-a': { values: [null], waitingSince: '2026-01-01T00:00:00.000Z' } }, history: [] };
    const noValue = summary({ latest: { at: AT, value: null, subject: 'cluster-a' } });
    expect(line(waiting, noValue)).toBe('  check error-rate  no data for 40s (noData: wait, fails after 10m)');
    expect(line(waiting, noValue, 'pass')).toBe('  check error-rate  no data for 40s (noData: pass)');
    const failing: CheckState = { ...waiting, subjects: { 'cluster-a': { values: [null], waitingSince: '2026-01-01T00:00:00.000Z', error: 'prometheus at http://p query failed: connection refused' } } };
    expect(line(failing, noValue)).toBe('  check error-rate  no value (cluster-a) for 40s: prometheus at http://p query failed: connection refused (fails after 10m)');
    expect(line({ check: 'error-rate', times: [AT], subjects: {}, history: [] }, summary({}))).toBe('  check error-rate  not evaluated yet (max 0.02)');
  });

  it('prints each check under its ring and carries the summary in the JSON document', () => {
    const state: CheckState = { check: 'error-rate', times: [AT], subjects: { 'cluster-a': { values: [0.01] } }, history: [] };
    const rollout = rolloutWith(state);
    const check = summary({ state: 'passed', latest: { at: AT, value: 0.01, subject: 'cluster-a' } });
    const doc = rolloutStatusDocument(rollout, { id: 'r1', revision: rollout.revision, phase: 'Progressing', rings: [{ name: 'ring-0', phase: 'Progressing', clusters: {}, checks: [check] }] }, new Map());
    expect(doc.rings[0]?.checks).toEqual([{ ...check, noData: 'wait', failsAfterMs: 600_000 }]);
    expect(renderRolloutStatus(doc)).toContain('ring-0  Progressing  1      -        -\n  check error-rate  0.01 (cluster-a) within max 0.02\n');
  });
});
