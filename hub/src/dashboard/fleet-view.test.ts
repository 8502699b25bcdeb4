import { parseLabelSelector } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { CLUSTER_PHASES, type ClusterRow } from './api-types.js';
import type { FleetSnapshot } from './fleet-summary.js';
import { clusterPageOf, fleetSummaryOf } from './fleet-view.js';

const REV = ['a'.repeat(40), 'b'.repeat(40)];

/** `n` clusters: every 7th Failed, every 5th (else) without a status, the rest Applied; rings by thirds; two revisions. */
function snapshot(n: number): FleetSnapshot {
  const rows: ClusterRow[] = Array.from({ length: n }, (_, i) => {
    const phase = i % 7 === 0 ? 'Failed' : i % 5 === 0 ? 'Unknown' : 'Applied';
    return {
      cluster: `c-${String(i).padStart(5, '0')}`,
      phase,
      ring: ['canary', 'early', 'rest'][i % 3] ?? 'rest',
      labels: { region: i % 2 === 0 ? 'eu' : 'us' },
      desiredRevision: REV[i % 4 === 0 ? 1 : 0] ?? '',
      desiredGeneration: 2,
      ...(phase === 'Unknown' ? {} : { appliedGeneration: i % 4 === 0 ? 1 : 2 }),
      lagging: phase === 'Unknown' || i % 4 === 0,
    };
  });
  return { refreshedAt: Date.UTC(2026, 0, 1), rows, rings: ['canary', 'early', 'rest'] };
}

describe('fleetSummaryOf', () => {
  it('answers 10,000 clusters column-wise: counts that add up, one grid entry per cluster, a few hundred KiB', () => {
    const snap = snapshot(10_000);
    const s = fleetSummaryOf(snap, {});
    expect([s.total, s.fleetTotal, s.grid.names.length, s.grid.phase.length, s.grid.ring.length]).toEqual([10_000, 10_000, 10_000, 10_000, 10_000]);
    expect(Object.values(s.byPhase).reduce((a, b) => a + (b ?? 0), 0)).toBe(10_000);
    expect(s.byPhase.Failed).toBe(snap.rows.filter((r) => r.phase === 'Failed').length);
    expect(s.byRevision).toEqual([{ revision: REV[0], clusters: 7500 }, { revision: REV[1], clusters: 2500 }]);
    expect(s.grid.phase[0]).toBe(CLUSTER_PHASES.indexOf('Failed'));
    expect(s.grid.revision[0]).toBe(1);
    expect(JSON.stringify(s).length).toBeLessThan(400 * 1024);
  });

  it('filters by selector, ring and phase, keeping the fleet total and every label for suggestions', () => {
    const snap = snapshot(60);
    const s = fleetSummaryOf(snap, { selector: parseLabelSelector('region=eu'), ring: 'canary', phase: 'Applied' });
    const expected = snap.rows.filter((r) => r.labels['region'] === 'eu' && r.ring === 'canary' && r.phase === 'Applied').map((r) => r.cluster);
    expect(s.grid.names).toEqual(expected);
    expect([s.total, s.fleetTotal]).toEqual([expected.length, 60]);
    expect(s.labels).toEqual({ region: ['eu', 'us'] });
    expect(s.byRing).toEqual([{ ring: 'canary', clusters: expected.length }, { ring: 'early', clusters: 0 }, { ring: 'rest', clusters: 0 }]);
  });
});

describe('clusterPageOf', () => {
  it('pages by name after the last one seen, and says where to continue', () => {
    const snap = snapshot(25);
    const first = clusterPageOf(snap, {}, 10, undefined);
    const second = clusterPageOf(snap, {}, 10, first.continue);
    const third = clusterPageOf(snap, {}, 10, second.continue);
    expect([first.items.length, second.items.length, third.items.length, third.continue]).toEqual([10, 10, 5, undefined]);
    expect([...first.items, ...second.items, ...third.items].map((r) => r.cluster)).toEqual(snap.rows.map((r) => r.cluster));
  });
});
