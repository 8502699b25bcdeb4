import { API_VERSION, canonicalBytes, previewSchema, rolloutId, startRollout, storeLayout, type Digest, type Preview } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, type StoreOperation, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { collectGarbage, type GcReport } from './gc.js';
import { createHub } from './hub.js';
import { createSetPreviewsPointer } from './previews/previews-pointer.js';
import { casCurrentRollout, createRolloutDocument } from './rollout/rollout-store.js';
import { planOf, releaseOf } from './testing/rollout-fixture.js';
import { bundleOf, storeKeys } from './testing/store-reads.js';
import { unitHubDeps, withoutKustomize } from './testing/unit-hub.js';

const HOUR = 3_600_000;
const CLUSTERS = ['eu-prod-001', 'eu-stg-001', 'us-prod-001'];

/** v1 published at 00:00, v2 (every bundle changed) at 01:00; the clock then stands at 01:00. `latency` runs before each store request. */
async function twoRevisions(latency?: (store: MemoryObjectStore, clock: VirtualClock, op: StoreOperation, key: string) => Promise<void>) {
  const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
  const repo = new MemoryRepository();
  const fleet = withoutKustomize(fixtureFleet());
  repo.commit(fleet, 'v1');
  const store: MemoryObjectStore = new MemoryObjectStore({ clock, ...(latency ? { latency: (op: StoreOperation, key: string) => latency(store, clock, op, key) } : {}) });
  const hub = createHub(unitHubDeps({ source: repo, store, clock }));
  await hub.compile({ repo: repo.url });
  const v1Blobs = (await storeKeys(store)).filter((k) => k.startsWith('blobs/')).sort();
  await clock.advance(clock.now() + HOUR);
  repo.commit({ 'apps/config/settings.yaml': (fleet['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'v2');
  await hub.compile({ repo: repo.url });
  return { clock, store, v1Blobs, repo, fleet, hub };
}

const deletedKeys = (deleted: readonly string[]): string[] => deleted.map((d) => storeLayout.blob(d as Digest)).sort();

describe('collectGarbage', () => {
  it('keeps unreferenced blobs younger than the minimum age', async () => {
    const { clock, store } = await twoRevisions();
    const report = await collectGarbage({ store, clock, keepRevisions: 0, minAgeMs: 2 * HOUR });
    expect(report).toEqual({ blobs: 6, referenced: 3, deleted: [], keptYoung: 3, dryRun: false });
    expect((await storeKeys(store)).filter((k) => k.startsWith('blobs/'))).toHaveLength(6);
  });

  it('deletes only the blobs nothing references once they are old enough, never a referenced one', async () => {
    const { clock, store, v1Blobs } = await twoRevisions();
    await clock.advance(clock.now() + HOUR);
    const report = await collectGarbage({ store, clock, keepRevisions: 0, minAgeMs: HOUR });
    expect(report).toMatchObject({ blobs: 6, referenced: 3, keptYoung: 0 });
    expect(deletedKeys(report.deleted)).toEqual(v1Blobs);
    for (const cluster of CLUSTERS) expect((await bundleOf(store, cluster)).objects.length, cluster).toBeGreaterThan(0);
  });

  it('keeps every blob the current rollout names (to, from, pending moves): a later wave or a revert moves a pointer to it', async () => {
    const { clock, store, v1Blobs } = await twoRevisions();
    const [to, from, pending] = v1Blobs.map((k): Digest => `sha256:${k.slice(storeLayout.blobsPrefix.length)}`);
    if (!to || !from || !pending) throw new Error('twoRevisions gives three v1 blobs');
    const id = rolloutId('a'.repeat(40), clock.now());
    const started = startRollout(releaseOf(id, 'a'.repeat(40), planOf('ring-0', 'ring-1'), { c1: 1, c2: 1 }, to, { c2: from }), { statuses: new Map() }, clock.now()).state;
    const state = { ...started, pendingMoves: [{ cluster: 'c1', digest: pending, reason: 'wave' as const }] };
    await createRolloutDocument(store, state);
    expect(await casCurrentRollout(store, state, undefined)).toBe(true);
    await clock.advance(clock.now() + 2 * HOUR);
    const report = await collectGarbage({ store, clock, keepRevisions: 0, minAgeMs: HOUR });
    expect(report.deleted).toEqual([]);
    for (const key of v1Blobs) expect(await store.head(key), key).toBeDefined();
  });

  it('keeps what the newest revision records name', async () => {
    const { clock, store, v1Blobs } = await twoRevisions();
    await clock.advance(clock.now() + 2 * HOUR);
    expect((await collectGarbage({ store, clock, keepRevisions: 2, minAgeMs: HOUR, dryRun: true })).deleted).toEqual([]);
    expect(deletedKeys((await collectGarbage({ store, clock, keepRevisions: 1, minAgeMs: HOUR, dryRun: true })).deleted)).toEqual(v1Blobs);
  });

  it('deletes nothing on a dry run, but says what it would delete', async () => {
    const { clock, store, v1Blobs } = await twoRevisions();
    await clock.advance(clock.now() + 2 * HOUR);
    const before = await storeKeys(store);
    const report = await collectGarbage({ store, clock, keepRevisions: 0, minAgeMs: HOUR, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, keptYoung: 0 });
    expect(deletedKeys(report.deleted)).toEqual(v1Blobs);
    expect(await storeKeys(store)).toEqual(before);
  });

  it('never deletes an old blob that a publish in flight is about to point at again (gc runs between its blobs and its pointers)', async () => {
    let armed = false;
    let gcInFlight: Promise<GcReport> | undefined;
    // The v3 publish's pointer writes wait for a whole gc run: its blobs are in place, its pointers are not.
    const { clock, store, v1Blobs, repo, fleet, hub } = await twoRevisions(async (s, c, op, key) => {
      if (!armed || (op !== 'put' && op !== 'putIfAbsent') || !key.startsWith('clusters/')) return;
      gcInFlight ??= collectGarbage({ store: s, clock: c, keepRevisions: 0, minAgeMs: HOUR });
      await gcInFlight;
    });
    // Hours later v1's blobs are old and unreferenced, and v3 brings v1's content back.
    await clock.advance(clock.now() + 3 * HOUR);
    repo.commit({ 'apps/config/settings.yaml': fleet['apps/config/settings.yaml'] ?? '' }, 'v3');
    armed = true;
    await hub.compile({ repo: repo.url });
    const report = await (gcInFlight ?? Promise.reject(new Error('gc never ran')));
    expect(deletedKeys(report.deleted).filter((k) => v1Blobs.includes(k)), 'blobs the publish in flight names').toEqual([]);
    expect(report.keptYoung).toBe(3);
    for (const cluster of CLUSTERS) expect((await bundleOf(store, cluster)).objects.length, cluster).toBeGreaterThan(0);
  });

  it("keeps the blobs a pointer's previews and a live preview's built bundles name", async () => {
    const { clock, store, v1Blobs } = await twoRevisions();
    const [hostPreviews, builtBundle, unreferenced] = v1Blobs.map((k): Digest => `sha256:${k.slice(storeLayout.blobsPrefix.length)}`);
    expect(await createSetPreviewsPointer({ store, clock })(CLUSTERS[0] ?? '', hostPreviews)).toBe('moved');
    const at = new Date(clock.now()).toISOString();
    const preview: Preview = {
      apiVersion: API_VERSION,
      kind: 'Preview',
      branch: 'feature/x',
      slug: 'feature-x',
      namespace: 'pr-feature-x',
      commit: 'c'.repeat(40),
      apps: ['web'],
      hosts: [CLUSTERS[1] ?? ''],
      built: { commit: 'c'.repeat(40), baseRevision: 'b'.repeat(40), inputs: 'i', at, bundles: { [CLUSTERS[1] ?? '']: builtBundle ?? '' } },
      createdAt: at,
      updatedAt: at,
      expiresAt: at,
    };
    await store.put(storeLayout.preview('feature-x'), canonicalBytes(previewSchema.parse(preview)));
    await clock.advance(clock.now() + HOUR);
    const report = await collectGarbage({ store, clock, keepRevisions: 0, minAgeMs: HOUR });
    expect(report.deleted).toEqual([unreferenced]);
  });

  it('warns about an unreadable preview document and collects the rest', async () => {
    const { clock, store, v1Blobs } = await twoRevisions();
    await store.put(storeLayout.preview('feature-y'), canonicalBytes({ kind: 'Preview', branch: 'feature/y' }));
    await clock.advance(clock.now() + HOUR);
    const warnings: string[] = [];
    const report = await collectGarbage({ store, clock, keepRevisions: 0, minAgeMs: HOUR, warn: (m) => warnings.push(m) });
    expect(deletedKeys(report.deleted)).toEqual(v1Blobs);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^preview previews\/feature-y\.json read failed: .+; the blobs it names are not kept$/);
  });
});
