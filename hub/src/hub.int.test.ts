import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDriftlessError, parseJsonDocument, revisionRecordSchema, storeLayout, type Digest, type ObjectStore } from '@driftless/core';
import { systemClock } from '@driftless/clock';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { binaryPath, commitFiles, createBareRepo, fixtureFleet, gitServerStats, s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { collectGarbage } from './gc.js';
import { createHub } from './hub.js';
import { nodeHubDeps, type NodeHubOptions } from './node-hub-deps.js';
import { bundleOf, objectNames, pointerOf, storeKeys } from './testing/store-reads.js';

const env = inject('driftlessEnv');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function s3Store(): ObjectStore {
  const store = s3StoreFor(env, uniqueName('hub'));
  cleanups.push(() => store.destroy());
  return store;
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'driftless-hub-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** A fleet repository on the real git server and a process-wired hub (git, kustomize, no state) publishing to MinIO. */
async function setup(over: Partial<NodeHubOptions> = {}) {
  const name = uniqueName('fleet');
  const bare = await createBareRepo(env.git.root, name);
  const first = await commitFiles(bare, fixtureFleet(), 'first');
  const store = s3Store();
  // Real servers, real time: git retries wait on this clock.
  const hub = createHub(nodeHubDeps({ store, clock: systemClock, cacheDir: await tempDir(), kustomizeBinary: binaryPath('kustomize'), gitBackoffMs: 1, ...over }));
  return { bare, first, store, hub, name, url: `${env.git.baseUrl}${name}.git` };
}

describe('hub compile against the real git server, kustomize and MinIO', () => {
  it('publishes every cluster its bundle: kustomize overlays, plain manifests, variables, namespaces', async () => {
    const { store, hub, url, first } = await setup();
    const report = await hub.compile({ repo: url });
    expect(report).toMatchObject({ revision: first, clusters: 3, uniqueBundles: 3, blobsWritten: 3, pointersUpdated: 3, orphaned: [], refused: [] });

    const prod = await bundleOf(store, 'eu-prod-001');
    expect(objectNames(prod)).toEqual(['ConfigMap/config/settings', 'Namespace/-/config', 'Service/web/web', 'Deployment/web/web']);
    const deploy = prod.objects.find((o) => o.kind === 'Deployment') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { replicas: number; template: { spec: { containers: { env: { value: string }[] }[] } } };
    };
    expect(deploy.spec.replicas).toBe(3);
    expect(deploy.metadata.labels['tier']).toBe('prod');
    expect(deploy.spec.template.spec.containers[0]?.env[0]?.value).toBe('eu-west-1');
    const staging = await bundleOf(store, 'eu-stg-001');
    expect((staging.objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number } }).spec.replicas).toBe(1);
    expect((staging.objects.find((o) => o.kind === 'ConfigMap') as unknown as { data: unknown }).data).toEqual({ cluster: 'eu-stg-001', region: 'eu' });

    const p = await pointerOf(store, 'us-prod-001');
    expect(p).toMatchObject({ generation: 1, revision: first, cluster: 'us-prod-001' });
    const record = await store.get(storeLayout.revision(first));
    expect(record.kind === 'found' && parseJsonDocument(revisionRecordSchema, record.body, 'r').clusters['us-prod-001']).toBe(p.bundle);
  });

  it('fetches exactly once per compile, and compiling the same commit again writes nothing', async () => {
    const { hub, url, name } = await setup();
    await hub.compile({ repo: url });
    expect(await fetchesOf(name)).toBe(1);
    const again = await hub.compile({ repo: url });
    expect(await fetchesOf(name)).toBe(2);
    expect(again).toMatchObject({ blobsWritten: 0, pointersUpdated: 0 });
  });

  it('updates only the pointers whose bundle changed, with the next generation', async () => {
    const { hub, url, bare, store } = await setup();
    await hub.compile({ repo: url });
    const second = await commitFiles(bare, { 'apps/web/overlays/prod/kustomization.yaml': 'resources: [../../base]\ncommonLabels: { tier: prod, release: "2" }\n' }, 'relabel prod');
    const report = await hub.compile({ repo: url });
    expect(report).toMatchObject({ revision: second, blobsWritten: 2, pointersUpdated: 2 });
    expect((await pointerOf(store, 'eu-prod-001')).generation).toBe(2);
    expect((await pointerOf(store, 'eu-stg-001'))).toMatchObject({ generation: 1 });
  });

  it('publishes nothing when any file is wrong, and names the file and line', async () => {
    const { hub, url, bare, store } = await setup();
    await hub.compile({ repo: url });
    const before = await storeKeys(store);
    await commitFiles(bare, { 'apps/config/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata: { a: "${vars.nope}" }\n' }, 'bad var');
    const err = await hub.compile({ repo: url }).catch((e: unknown) => e);
    expect(isDriftlessError(err, 'InvalidDocument') && err.message).toMatch(/^apps\/config\/extra\.yaml:4: unknown variable \$\{vars\.nope\} for cluster eu-prod-001/);
    expect(await storeKeys(store)).toEqual(before);
  });

  it('refuses a mass prune for the clusters it would hit, unless allowed', async () => {
    const { hub, url, bare, store } = await setup();
    await hub.compile({ repo: url });
    // Prod would lose all 4 objects: config moves to a selector only staging matches and
    // web's prod target goes; staging's bundle does not change.
    const fleet = (fixtureFleet()['fleet.yaml'] ?? '')
      .replace('matchLabels: { env: prod }', 'matchLabels: { env: none }')
      .replace('        - selector: {}\n', '        - selector: { matchLabels: { region: eu, env: staging } }\n');
    await commitFiles(bare, { 'fleet.yaml': fleet }, 'drop most of prod');
    const refused = await hub.compile({ repo: url });
    expect(refused.refused.map((r) => r.cluster)).toEqual(['eu-prod-001', 'us-prod-001']);
    expect(refused.refused[0]?.reason).toBe(
      'would remove 4 of its 4 objects (ConfigMap/config/settings, Namespace/config, Service/web/web, …); pass --allow-mass-prune if that is intended',
    );
    expect(refused.pointersUpdated).toBe(0);
    expect((await pointerOf(store, 'eu-prod-001')).generation).toBe(1);
    const allowed = await hub.compile({ repo: url, allowMassPrune: true });
    expect(allowed.refused).toEqual([]);
    expect((await pointerOf(store, 'eu-prod-001')).generation).toBe(2);
  });

  it('collects on MinIO only the blobs nothing references, never a referenced one', async () => {
    const { hub, url, bare, store } = await setup();
    await hub.compile({ repo: url });
    const firstBlobs = await storeKeys(store);
    await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'change config');
    await hub.compile({ repo: url });
    const young = await collectGarbage({ store, clock: new VirtualClock(Date.now()), keepRevisions: 0, minAgeMs: 3_600_000 });
    expect(young).toMatchObject({ blobs: 6, referenced: 3, deleted: [], keptYoung: 3 });
    const report = await collectGarbage({ store, clock: new VirtualClock(Date.now() + 7_200_000), keepRevisions: 0 });
    expect(report.deleted.map((d) => storeLayout.blob(d as Digest)).sort()).toEqual(firstBlobs.filter((k) => k.startsWith('blobs/')).sort());
    for (const cluster of ['eu-prod-001', 'eu-stg-001', 'us-prod-001']) expect((await bundleOf(store, cluster)).objects.length).toBeGreaterThan(0);
  });

  it('reads a local bare repository as --repo, without fetching', async () => {
    const { hub, bare, first, name } = await setup();
    expect((await hub.compile({ repo: bare })).revision).toBe(first);
    expect(await fetchesOf(name)).toBe(0);
  });

  it('names the remote and ref, never credentials, when the ref does not exist', async () => {
    const { hub, url } = await setup({ gitAuth: { username: 'x-access-token', password: 's3cr3t-token' } });
    const err = await hub.compile({ repo: url, ref: 'no-such-branch' }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`git fetch ${url} (ref no-such-branch) failed`);
    expect((err as Error).message).not.toContain('s3cr3t-token');
  });
});

/** Fetches of `repo` served so far: one upload-pack POST per clone or fetch. */
async function fetchesOf(repo: string): Promise<number> {
  return (await gitServerStats(env.git.baseUrl, `${repo}.git`))['git-upload-pack'];
}
