import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePointer, storeLayout } from '@driftless/core';
import { binaryPath, commitFiles, createBareRepo, fixtureFleet, MemoryObjectStore } from '@driftless/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createHub } from './hub.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function setup() {
  const root = await mkdtemp(join(tmpdir(), 'driftless-hub-state-'));
  dirs.push(root);
  const bare = await createBareRepo(root, 'fleet');
  await commitFiles(bare, fixtureFleet(), 'first');
  const store = new MemoryObjectStore();
  const hub = (cache: string) =>
    createHub({ store, now: () => new Date(), cacheDir: join(root, cache), kustomizeBinary: binaryPath('kustomize'), stateKey: 'memory:test' });
  return { bare, store, hub };
}

const requests = (s: MemoryObjectStore): number => s.counters.get200 + s.counters.get304 + s.counters.get404 + s.counters.put + s.counters.putRefused + s.counters.list;

describe('hub local state', () => {
  it('makes a compile of an unchanged commit cost two store reads (marker, record) and write nothing', async () => {
    const { bare, store, hub } = await setup();
    await hub('a').compile({ repo: bare });
    const before = { ...store.counters };
    const report = await hub('a').compile({ repo: bare });
    expect(report).toMatchObject({ blobsWritten: 0, pointersUpdated: 0 });
    expect(store.counters.put - before.put).toBe(0);
    expect(requests(store) - (before.get200 + before.get304 + before.get404 + before.put + before.putRefused + before.list)).toBe(2);
  });

  it('reads no pointer of a cluster whose inputs did not change', async () => {
    const { bare, store, hub } = await setup();
    await hub('a').compile({ repo: bare });
    await commitFiles(bare, { 'clusters/eu-stg-001.yaml': (fixtureFleet()['clusters/eu-stg-001.yaml'] ?? '').replace('eu-west-1', 'eu-west-2') }, 'move staging');
    const gets = store.counters.get200 + store.counters.get404;
    const report = await hub('a').compile({ repo: bare });
    expect(report).toMatchObject({ pointersUpdated: 1, clusters: 3 });
    // The marker, the revision record, and the changed cluster's old bundle for the mass-prune guard.
    expect(store.counters.get200 + store.counters.get404 - gets).toBe(3);
  });

  it('is not trusted once another hub has published, and the result stays right', async () => {
    const { bare, store, hub } = await setup();
    await hub('a').compile({ repo: bare });
    await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'second');
    await hub('b').compile({ repo: bare });
    await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'area: "') }, 'third');
    const report = await hub('a').compile({ repo: bare });
    expect(report).toMatchObject({ pointersUpdated: 3, refused: [], orphaned: [] });
    const got = await store.get(storeLayout.pointer('eu-prod-001'));
    expect(got.kind === 'found' && decodePointer(got.body, 'p', 'eu-prod-001').generation).toBe(3);
  });
});
