import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonDocument, revisionRecordSchema, storeLayout } from '@driftless/core';
import { systemClock } from '@driftless/clock';
import { uniqueName } from '@driftless/contracts';
import { binaryPath, commitFiles, createBareRepo, fixtureFleet, pointBranch, s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createHub } from './hub.js';
import { nodeHubDeps } from './node-hub-deps.js';
import { pointerOf } from './testing/store-reads.js';

const env = inject('driftlessEnv');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const SETTINGS = 'apps/config/settings.yaml';

/** A fleet on the real git server with two commits on main (the second changes every bundle), and a hub publishing to MinIO. */
async function setup(opts: { stateful: boolean }) {
  const name = uniqueName('rollback');
  const bare = await createBareRepo(env.git.root, name);
  const older = await commitFiles(bare, fixtureFleet(), 'first');
  const newer = await commitFiles(bare, { [SETTINGS]: (fixtureFleet()[SETTINGS] ?? '').replace('region: "', 'zone: "') }, 'second');
  const store = s3StoreFor(env, uniqueName('rollback'));
  cleanups.push(() => store.destroy());
  const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-rollback-'));
  cleanups.push(() => rm(cacheDir, { recursive: true, force: true }));
  const hub = createHub(
    nodeHubDeps({ store, clock: systemClock, cacheDir, kustomizeBinary: binaryPath('kustomize'), gitBackoffMs: 1, ...(opts.stateful ? { stateKey: `s3:${name}` } : {}) }),
  );
  return { bare, older, newer, store, hub, url: `${env.git.baseUrl}${name}.git` };
}

describe.each([{ stateful: false }, { stateful: true }])('hub compile refuses to go backwards (real git server, MinIO, hub state: $stateful)', ({ stateful }) => {
  it('refuses an older commit after a newer one, naming both, and moves no pointer', async () => {
    const { bare, older, newer, store, hub, url } = await setup({ stateful });
    await hub.compile({ repo: url });
    await pointBranch(bare, 'old', older);
    const err = await hub.compile({ repo: url, ref: 'old' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RollbackRefused', errorClass: 'stalled', data: { revision: older, lastPublished: newer } });
    expect((err as Error).message).toContain(older);
    expect((err as Error).message).toContain(newer);
    expect((err as Error).message).toContain('--allow-rollback');
    expect(await pointerOf(store, 'eu-prod-001')).toMatchObject({ revision: newer, generation: 1 });
  });

  it('publishes the same commit again, and a newer descendant, as before', async () => {
    const { bare, hub, url } = await setup({ stateful });
    await hub.compile({ repo: url });
    expect(await hub.compile({ repo: url })).toMatchObject({ pointersUpdated: 0 });
    const third = await commitFiles(bare, { 'apps/config/settings.yaml': fixtureFleet()[SETTINGS] ?? '' }, 'third');
    expect(await hub.compile({ repo: url })).toMatchObject({ revision: third, pointersUpdated: 3 });
  });

  it('refuses a commit of an unrelated history', async () => {
    const { bare, newer, hub, url } = await setup({ stateful });
    await hub.compile({ repo: url });
    const unrelated = await commitFiles(bare, fixtureFleet(), 'another root', 'unrelated');
    await expect(hub.compile({ repo: url, ref: 'unrelated' })).rejects.toMatchObject({ code: 'RollbackRefused', data: { revision: unrelated, lastPublished: newer } });
  });

  it('rolls back with allowRollback, records it in the revision record, and goes forward again after', async () => {
    const { bare, older, newer, store, hub, url } = await setup({ stateful });
    await hub.compile({ repo: url, ref: 'main' });
    await pointBranch(bare, 'old', older);
    const report = await hub.compile({ repo: url, ref: 'old', allowRollback: true });
    expect(report).toMatchObject({ revision: older, pointersUpdated: 3, rolledBackFrom: newer });
    expect(await pointerOf(store, 'eu-prod-001')).toMatchObject({ revision: older, generation: 2 });
    const got = await store.get(storeLayout.revision(older));
    expect(got.kind === 'found' && parseJsonDocument(revisionRecordSchema, got.body, 'record').rolledBackFrom).toBe(newer);
    expect(await hub.compile({ repo: url, ref: 'main' }), 'the newer commit descends from the one rolled back to').toMatchObject({ revision: newer, pointersUpdated: 3 });
  });
});
