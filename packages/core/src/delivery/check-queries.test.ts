import { describe, expect, it } from 'vitest';
import type { Digest } from '../digest.js';
import { metricQueries, readingOf, startRollout, substituteCheckQuery, unknownCheckVariable, checkLabelKeys } from './index.js';
import type { Release, ReleaseCluster } from './machine-types.js';
import { RING_DEFAULTS, type CheckPlan, type RingPlan } from './plan.js';
import { rolloutId, type Rollout } from './rollout-document.js';

const NEW: Digest = `sha256:${'1'.padStart(64, '0')}`;
const OLD: Digest = `sha256:${'2'.padStart(64, '0')}`;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const ring = (name: string, checks: string[]): RingPlan => ({ name, ...RING_DEFAULTS, approval: false, checks });
const check = (name: string, query: string, over: Partial<CheckPlan> = {}): CheckPlan => ({ name, query, max: 0.02, forMs: 5_000, aggregate: 'cluster', noData: 'wait', ...over });

function started(checks: CheckPlan[], labels: Record<string, Record<string, string>> = {}): Rollout {
  const clusters = new Map<string, ReleaseCluster>([
    ['a', { ring: 0, to: NEW, from: OLD, statefulChanged: false }],
    ['b', { ring: 0, to: NEW, from: OLD, statefulChanged: false }],
    ['c', { ring: 1, to: NEW, from: OLD, statefulChanged: false }],
  ]);
  const rings = [ring('ring-0', checks.map((c) => c.name)), ring('ring-1', checks.map((c) => c.name))];
  const release: Release = { id: rolloutId('a'.repeat(40), T0), revision: 'a'.repeat(40), plan: { mode: 'continuous-deployment', onFailure: 'halt', rings, checks }, clusters };
  const state = structuredClone(startRollout(release, { statuses: new Map() }, T0).state);
  for (const [name, l] of Object.entries(labels)) state.clusters[name]!.labels = l;
  return state;
}

describe('metricQueries', () => {
  it('asks one query per moved cluster of an open ring, with its name, labels and ring substituted', () => {
    const rollout = started([check('err', 'sum(x{cluster="${cluster.name}",region="${cluster.labels.region}",ring="${ring}"})')], {
      a: { region: 'eu' },
      b: { region: 'us' },
    });
    expect(metricQueries(rollout)).toEqual([
      { check: 'err', ring: 'ring-0', subject: 'a', query: 'sum(x{cluster="a",region="eu",ring="ring-0"})' },
      { check: 'err', ring: 'ring-0', subject: 'b', query: 'sum(x{cluster="b",region="us",ring="ring-0"})' },
    ]);
  });

  it('asks one query per ring over its moved clusters for aggregate ring', () => {
    const rollout = started([check('err', 'max(x{cluster=~"${ring.clusters}"})', { aggregate: 'ring' })]);
    expect(metricQueries(rollout)).toEqual([{ check: 'err', ring: 'ring-0', subject: 'ring-0', query: 'max(x{cluster=~"a|b"})' }]);
  });

  it('skips a cluster whose label the query needs but the rollout did not record', () => {
    const rollout = started([check('err', 'x{region="${cluster.labels.region}"}')], { a: { region: 'eu' } });
    expect(metricQueries(rollout).map((q) => q.subject)).toEqual(['a']);
  });
});

describe('check query variables', () => {
  it('names the first variable a check cannot use', () => {
    expect(unknownCheckVariable('x{c="${cluster.name}"}', 'cluster')).toBeUndefined();
    expect(unknownCheckVariable('x{c="${vars.team}"}', 'cluster')).toBe('${vars.team}');
    expect(unknownCheckVariable('x{c="${cluster.name}"}', 'ring')).toBe('${cluster.name}');
    expect(unknownCheckVariable('x{c="$${literal}"}', 'ring')).toBeUndefined();
    expect(unknownCheckVariable('x{c="${cluster.labels.topology.kubernetes.io/zone}"}', 'cluster')).toBeUndefined();
    expect(unknownCheckVariable('x{c="${cluster.labels.a b}"}', 'cluster')).toBe('${cluster.labels.a b}');
  });

  it('lists the label keys the checks name and keeps $${…} literal', () => {
    expect(checkLabelKeys([check('a', '${cluster.labels.zone} ${cluster.labels.region}'), check('b', '${cluster.labels.zone}')])).toEqual(['region', 'zone']);
    expect(substituteCheckQuery('a{x="$${ring}"} ${ring}', { ring: 'r0' })).toBe('a{x="${ring}"} r0');
  });
});

describe('readingOf', () => {
  it('reads one series or a scalar as the value, and nothing or NaN as no data', () => {
    expect(readingOf({ resultType: 'vector', series: [{ labels: {}, value: 0.5 }] })).toEqual({ value: 0.5 });
    expect(readingOf({ resultType: 'scalar', value: 2 })).toEqual({ value: 2 });
    expect(readingOf({ resultType: 'vector', series: [] })).toEqual({});
    expect(readingOf({ resultType: 'vector', series: [{ labels: {}, value: Number.NaN }] })).toEqual({});
  });

  it('refuses to pick one of several series', () => {
    const two = readingOf({ resultType: 'vector', series: [{ labels: { a: '1' }, value: 1 }, { labels: { a: '2' }, value: 2 }] });
    expect(two.error).toMatch(/returned 2 series; a check needs one value/);
  });

  it.each([
    ['an empty vector', { resultType: 'vector', series: [], warnings: ['remote read failed', 'second'] }],
    ['a value', { resultType: 'vector', series: [{ labels: {}, value: 0.001 }], warnings: ['remote read failed'] }],
    ['a scalar', { resultType: 'scalar', value: 1, warnings: ['remote read failed'] }],
  ] as const)('reads a partial result (the API warned) with %s as an error, never a value or no data', (_name, result) => {
    expect(readingOf(result)).toEqual({ error: 'partial result: remote read failed' });
  });
});
