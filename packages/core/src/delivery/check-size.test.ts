import { describe, expect, it } from 'vitest';
import type { Digest } from '../digest.js';
import { startRollout, stepRollout } from './index.js';
import type { MetricReading, Observations, ReleaseCluster } from './machine-types.js';
import { RING_DEFAULTS, type CheckPlan } from './plan.js';
import { rolloutId, type Rollout } from './rollout-document.js';

const NEW: Digest = `sha256:${'1'.padStart(64, '0')}`;
const OLD: Digest = `sha256:${'2'.padStart(64, '0')}`;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const check = (name: string): CheckPlan => ({ name, query: `${name}{cluster="\${cluster.name}"}`, max: 0.02, forMs: 60_000, aggregate: 'cluster', noData: 'wait' });

describe('the rollout document with checks', () => {
  it('grows by a bounded share per judged cluster, not by a timestamp per value', () => {
    const n = 2_000;
    const names = Array.from({ length: n }, (_, i) => `c-${String(i).padStart(5, '0')}`);
    const checks = [check('error-rate'), check('latency-p50'), check('overrides')];
    const clusters = new Map<string, ReleaseCluster>(names.map((c) => [c, { ring: 0, to: NEW, from: OLD, statefulChanged: false }]));
    const rings = [{ name: 'ring-0', ...RING_DEFAULTS, soakMs: 3_600_000, approval: false, checks: checks.map((c) => c.name) }];
    let state: Rollout = startRollout({ id: rolloutId('a'.repeat(40), T0), revision: 'a'.repeat(40), plan: { mode: 'continuous-deployment', onFailure: 'halt', rings, checks }, clusters }, { statuses: new Map() }, T0).state;
    const started = JSON.stringify(state).length;
    const statuses = new Map(names.map((c) => [c, { phase: 'Applied' as const, observedGeneration: 1, appliedBundle: NEW, heartbeatAt: new Date(T0).toISOString() }]));
    for (let s = 1; s <= 8; s++) {
      const readings = new Map<string, MetricReading>(names.map((c, i) => [c, { value: ((i * 7919 + s) % 200) / 10_000 }]));
      const obs: Observations = { statuses, metrics: new Map(checks.map((c) => [c.name, readings])) };
      state = stepRollout(state, obs, T0 + s * 5_000).state;
    }
    const perClusterPerCheck = (JSON.stringify(state).length - started) / n / checks.length;
    // 5 values of up to 6 characters and the subject's name: about 70 bytes (with a timestamp per value it was about 270).
    expect(state.rings[0]?.checks?.[0]?.subjects['c-00000']?.values).toHaveLength(5);
    expect(perClusterPerCheck).toBeLessThan(80);
  });
});
