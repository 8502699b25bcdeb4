import { DriftlessError } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createHub } from './hub.js';
import type { PreviewCycleRequest, PreviewsReport } from './previews/preview-types.js';
import { previewBaseOverride } from './testing/compile-with-preview-base.js';
import { pointerOf } from './testing/store-reads.js';
import { unitHubDeps, withoutKustomize } from './testing/unit-hub.js';

// The PreviewBase is set by hand (previewBaseOverride) so these tests need no preview hosts in the fixture fleet.
vi.mock('./compile.js', async (orig) => (await import('./testing/compile-with-preview-base.js')).compileWithPreviewBase(orig));

const START = Date.parse('2030-01-01T00:00:00.000Z');
const SPEC = { branches: ['feature/*'], clusters: { matchLabels: { env: 'staging' } }, apps: ['web'], namespace: 'pr-${branch.slug}', ttl: 72 * 3600_000 };

/** A hub whose preview cycle records its requests and answers `answer` (or fails with it). */
function setup(answer: (req: PreviewCycleRequest) => Promise<PreviewsReport> = (req) => Promise.resolve(reportOf(req))) {
  const clock = new VirtualClock(START);
  const repo = new MemoryRepository();
  const first = repo.commit(withoutKustomize(fixtureFleet()), 'first');
  const store = new MemoryObjectStore({ clock });
  const cycles: PreviewCycleRequest[] = [];
  const previewCycle = (req: PreviewCycleRequest): Promise<PreviewsReport> => {
    cycles.push(req);
    return answer(req);
  };
  const hub = createHub(unitHubDeps({ source: repo, store, clock, previewCycle }));
  return { repo, first, store, hub, cycles };
}

const reportOf = (req: PreviewCycleRequest): PreviewsReport => ({
  base: req.base.revision,
  previews: [...req.listing.branches.keys()].filter((b) => b.startsWith('feature/')).map((branch) => ({ branch, slug: 'feature-a', namespace: 'pr-feature-a', commit: req.listing.branches.get(branch) ?? '', action: 'created' as const })),
  hostsMoved: ['eu-stg-001'],
  hostsHeld: [],
});

beforeEach(() => {
  previewBaseOverride.current = { branch: 'main', spec: SPEC, hosts: [], inputs: 'i' };
});

describe('hub compile with previews', () => {
  it('runs the preview cycle after the publish, with one branch listing, and reports what it did', async () => {
    const { repo, first, hub, cycles, store } = setup();
    const feature = repo.commit({ 'apps/web/extra.yaml': 'x: 1\n' }, 'feature', 'feature/a');
    const resolves = repo.resolves;
    const report = await hub.compile({ repo: repo.url, previews: true, actor: 'ci' });
    expect(repo.resolves - resolves).toBe(1);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toMatchObject({ repo: repo.url, actor: 'ci', base: { revision: first, branch: 'main' } });
    expect(cycles[0]?.listing.branches.get('feature/a')).toBe(feature);
    expect(report.previews).toEqual({ base: first, previews: [{ branch: 'feature/a', slug: 'feature-a', namespace: 'pr-feature-a', commit: feature, action: 'created' }], hostsMoved: ['eu-stg-001'], hostsHeld: [] });
    expect(await pointerOf(store, 'eu-prod-001')).toMatchObject({ revision: first });
  });

  it('runs no cycle unless asked', async () => {
    const { repo, hub, cycles } = setup();
    const report = await hub.compile({ repo: repo.url });
    expect(cycles).toEqual([]);
    expect(report.previews).toBeUndefined();
  });

  it('without spec.previews in fleet.yaml, runs a removal-only cycle (the previews left go)', async () => {
    previewBaseOverride.current = undefined;
    const { repo, first, hub, cycles } = setup();
    const report = await hub.compile({ repo: repo.url, previews: true });
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.base).toMatchObject({ revision: first, spec: undefined, hosts: [] });
    expect(report.previews).toMatchObject({ base: first });
    expect(report.warnings).toBeUndefined();
  });

  it('a failing preview cycle does not fail the compile that published: it is a warning', async () => {
    const { repo, first, hub, store } = setup(() => Promise.reject(new DriftlessError('GitUnavailable', 'git fetch x failed: timeout', { remote: 'x' })));
    const report = await hub.compile({ repo: repo.url, previews: true });
    expect(report.revision).toBe(first);
    expect(report.previews).toBeUndefined();
    expect(report.warnings).toEqual(['previews: the preview cycle failed (the release is published): git fetch x failed: timeout']);
    expect(await pointerOf(store, 'eu-prod-001')).toMatchObject({ revision: first });
  });
});

describe('hub previews', () => {
  it('runs the cycle against the base compiled last, compiling first when it has none', async () => {
    const { repo, first, hub, cycles } = setup();
    const listing = await repo.listBranches({ repo: repo.url });
    const syncs = repo.syncs;
    expect(await hub.previews({ repo: repo.url, listing })).toMatchObject({ base: first });
    expect(repo.syncs - syncs).toBe(1);
    expect(await hub.previews({ repo: repo.url, listing })).toMatchObject({ base: first });
    expect(repo.syncs - syncs).toBe(1);
    expect(cycles.map((c) => c.base.revision)).toEqual([first, first]);
    expect(cycles[1]?.listing).toBe(listing);
  });

  it('runs a removal-only cycle when the base has no spec.previews, so previews left behind are removed', async () => {
    previewBaseOverride.current = undefined;
    const { repo, first, hub, cycles } = setup();
    await hub.compile({ repo: repo.url });
    const listing = await repo.listBranches({ repo: repo.url });
    const syncs = repo.syncs;
    expect(await hub.previews({ repo: repo.url, listing })).toMatchObject({ base: first });
    expect(repo.syncs).toBe(syncs);
    expect(cycles.map((c) => c.base.spec)).toEqual([undefined]);
  });
});
