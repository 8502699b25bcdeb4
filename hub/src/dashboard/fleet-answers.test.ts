import { describe, expect, it, vi } from 'vitest';
import { parseLabelSelector } from '@driftless/core';
import type { ClusterRow, FleetSummary } from './api-types.js';
import { createFleetAnswers } from './fleet-answers.js';
import type { FleetSnapshot } from './fleet-summary.js';
import { fleetSummaryOf } from './fleet-view.js';

const row = (cluster: string, phase: ClusterRow['phase'], region: string): ClusterRow => ({ cluster, phase, ring: 'canary', labels: { region, tier: 'web' }, lagging: false });
const snapshot = (refreshedAt: number, rows: readonly ClusterRow[]): FleetSnapshot => ({ refreshedAt, rows, rings: ['canary'] });

describe('GET /fleet\'s memoised answers', () => {
  it('serialises a snapshot once per filter, however often it is asked, in whatever order the selector is written', () => {
    const summarise = vi.fn(fleetSummaryOf);
    const answers = createFleetAnswers(summarise);
    const snap = snapshot(1_000, [row('eu-1', 'Applied', 'eu'), row('us-1', 'Failed', 'us')]);
    const first = answers.answer(snap, {});
    expect(answers.answer(snap, {})).toBe(first);
    expect(summarise).toHaveBeenCalledTimes(1);
    expect((JSON.parse(first.bytes.toString()) as FleetSummary).grid.names).toEqual(['eu-1', 'us-1']);

    const eu = answers.answer(snap, { selector: parseLabelSelector('region=eu,tier=web') });
    expect(answers.answer(snap, { selector: parseLabelSelector('tier=web,region=eu') })).toBe(eu);
    expect(summarise).toHaveBeenCalledTimes(2);
    expect((JSON.parse(eu.bytes.toString()) as FleetSummary).grid.names).toEqual(['eu-1']);
  });

  it('answers a new snapshot anew: the same ETag when only the refresh time moved, another when a cluster changed', () => {
    const summarise = vi.fn(fleetSummaryOf);
    const answers = createFleetAnswers(summarise);
    const before = answers.answer(snapshot(1_000, [row('eu-1', 'Progressing', 'eu')]), {});
    const later = answers.answer(snapshot(3_000, [row('eu-1', 'Progressing', 'eu')]), {});
    const changed = answers.answer(snapshot(5_000, [row('eu-1', 'Applied', 'eu')]), {});
    expect(summarise).toHaveBeenCalledTimes(3);
    expect(later.etag).toBe(before.etag);
    expect((JSON.parse(later.bytes.toString()) as FleetSummary).refreshedAt).toBe(new Date(3_000).toISOString());
    expect(changed.etag).not.toBe(before.etag);
    expect((JSON.parse(changed.bytes.toString()) as FleetSummary).byPhase).toEqual({ Applied: 1 });
  });
});
