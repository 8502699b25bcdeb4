import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeLayout, type Digest } from '@driftless/core';
import { systemClock } from '@driftless/clock';
import { uniqueName } from '@driftless/contracts';
import { binaryPath, commitFiles, createBareRepo, fixtureFleet, s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createHub } from './hub.js';
import { nodeHubDeps } from './node-hub-deps.js';
import { bundleOf, pointerOf } from './testing/store-reads.js';

const env = inject('driftlessEnv');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const SETTINGS = 'apps/config/settings.yaml';

/** The fixture fleet on the real git server, a MinIO store, and a hub maker: each hub has its own cache (state). */
async function fleetOnMinio() {
  const name = uniqueName('blobtrust');
  const bare = await createBareRepo(env.git.root, name);
  await commitFiles(bare, fixtureFleet(), 'v1');
  const store = s3StoreFor(env, uniqueName('blobtrust'));
  cleanups.push(() => store.destroy());
  const newHub = async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-blobtrust-'));
    cleanups.push(() => rm(cacheDir, { recursive: true, force: true }));
    return createHub(nodeHubDeps({ store, clock: systemClock, cacheDir, kustomizeBinary: binaryPath('kustomize'), gitBackoffMs: 1 }));
  };
  return { bare, store, url: `${env.git.baseUrl}${name}.git`, newHub };
}

describe('the hub never points at a blob whose bytes do not match its digest (real git server, MinIO)', () => {
  it('repairs a corrupted and a truncated blob at a digest it is about to point at, before the pointer moves', async () => {
    const { bare, store, url, newHub } = await fleetOnMinio();
    const hub = await newHub();
    await hub.compile({ repo: url });
    const v1 = { prod: (await pointerOf(store, 'eu-prod-001')).bundle as Digest, us: (await pointerOf(store, 'us-prod-001')).bundle as Digest };
    await commitFiles(bare, { [SETTINGS]: (fixtureFleet()[SETTINGS] ?? '').replace('region: "', 'zone: "') }, 'v2');
    await hub.compile({ repo: url });
    // v1's blobs go bad while nothing points at them: one overwritten, one cut short.
    await store.put(storeLayout.blob(v1.prod), new TextEncoder().encode('not a bundle'));
    const us = await store.get(storeLayout.blob(v1.us));
    if (us.kind !== 'found') throw new Error('v1 blob missing');
    await store.put(storeLayout.blob(v1.us), us.body.slice(0, us.body.byteLength - 20));

    await commitFiles(bare, { [SETTINGS]: fixtureFleet()[SETTINGS] ?? '' }, 'v3: back to v1 content');
    const report = await hub.compile({ repo: url });
    expect((await pointerOf(store, 'eu-prod-001')).bundle).toBe(v1.prod);
    for (const cluster of ['eu-prod-001', 'us-prod-001', 'eu-stg-001']) expect((await bundleOf(store, cluster)).objects.length, cluster).toBeGreaterThan(0);
    expect(report).toMatchObject({ pointersUpdated: 3, blobsRepaired: 2 });
  });

  it('repairs a truncated blob a kept pointer names when a compile of the same commit renders its cluster again', async () => {
    const { store, url, newHub } = await fleetOnMinio();
    await (await newHub()).compile({ repo: url });
    const named = (await pointerOf(store, 'eu-stg-001')).bundle as Digest;
    const good = await store.get(storeLayout.blob(named));
    if (good.kind !== 'found') throw new Error('blob missing');
    await store.put(storeLayout.blob(named), good.body.slice(0, good.body.byteLength - 20));
    // Another hub (no saved state, so every cluster is rendered) compiles the same commit: no pointer moves.
    const report = await (await newHub()).compile({ repo: url });
    expect(report).toMatchObject({ pointersUpdated: 0, blobsRepaired: 1 });
    const after = await store.get(storeLayout.blob(named));
    expect(after.kind === 'found' && Buffer.from(after.body).equals(Buffer.from(good.body))).toBe(true);
    expect((await bundleOf(store, 'eu-stg-001')).objects.length).toBeGreaterThan(0);
  });
});
