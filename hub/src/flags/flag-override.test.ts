import { API_VERSION, type RevisionRecord } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { overridesForCluster } from './flag-overrides-store.js';
import { auditedClusters, selectClusters } from './flag-override.js';

const digest = `sha256:${'a'.repeat(64)}`;
const record = (labels?: RevisionRecord['labels']): RevisionRecord => ({
  apiVersion: API_VERSION,
  kind: 'Revision',
  revision: 'a'.repeat(40),
  publishedAt: '2030-01-01T00:00:00.000Z',
  clusters: { 'eu-1': digest, 'eu-2': digest, 'us-1': digest },
  ...(labels ? { labels } : {}),
});
const labels = { 'eu-1': { region: 'eu', ring: '0' }, 'eu-2': { region: 'eu', ring: '1' }, 'us-1': { region: 'us', ring: '1' } };

describe('selectClusters (flag set --selector over the labels the revision record keeps)', () => {
  const cases: [string | undefined, string[]][] = [
    [undefined, ['eu-1', 'eu-2', 'us-1']],
    ['region=eu', ['eu-1', 'eu-2']],
    ['region=eu,ring!=0', ['eu-2']],
    ['ring in (0,2)', ['eu-1']],
    ['region notin (eu)', ['us-1']],
    ['tier', []],
  ];
  for (const [selector, want] of cases) {
    it(`${selector ?? '(none)'} -> ${want.join(',') || 'none'}`, () => {
      expect(selectClusters(record(labels), 'f', selector)).toEqual({ clusters: want, labelsRecorded: true });
    });
  }
  it('refuses a selector when the record has no labels (run hub compile first), and matches every cluster without one', () => {
    expect(() => selectClusters(record(), 'f', 'region=eu')).toThrow(expect.objectContaining({ code: 'FlagOverrideRefused', message: expect.stringContaining('run hub compile first') }));
    expect(selectClusters(record(), 'f', undefined)).toEqual({ clusters: ['eu-1', 'eu-2', 'us-1'], labelsRecorded: false });
  });
  it('refuses a malformed selector naming it', () => {
    expect(() => selectClusters(record(labels), 'f', 'a in (b')).toThrow("--selector 'a in (b' parse failed");
  });
  it('gives each cluster the overrides whose selector it matches', () => {
    const o = { variant: 'off', actor: 'a', at: '2030-01-01T00:00:00.000Z', reason: 'r' };
    const doc = { apiVersion: API_VERSION, kind: 'FlagOverrides' as const, overrides: { a: o, b: { ...o, selector: 'region=us' } } };
    expect([...overridesForCluster(doc, labels['eu-1']).keys()]).toEqual(['a']);
    expect([...overridesForCluster(doc, labels['us-1']).keys()]).toEqual(['a', 'b']);
  });
});

describe('auditedClusters (review 14a #19)', () => {
  it('records the selector, the count and only the first 20 cluster names', () => {
    const clusters = Array.from({ length: 10_000 }, (_, i) => `c-${String(i).padStart(5, '0')}`);
    const got = auditedClusters('region=eu', clusters);
    expect(got).toEqual({ selector: 'region=eu', count: 10_000, clusters: clusters.slice(0, 20) });
    expect(auditedClusters(undefined, ['a'])).toEqual({ selector: null, count: 1, clusters: ['a'] });
  });
});
