import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { decodePointer, PointerVerifier, storeLayout, type Digest, type ObjectStore } from '@driftless/core';
import { MemoryObjectStore } from '@driftless/fakes';
import { binaryPath, commitFiles, createBareRepo, fixtureFleet } from '@driftless/testkit';
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

async function digests(store: ObjectStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of ['eu-prod-001', 'eu-stg-001', 'us-prod-001']) {
    const got = await store.get(storeLayout.pointer(c));
    out[c] = got.kind === 'found' ? decodePointer(got.body, 'p', c).bundle : 'none';
  }
  return out;
}

describe('hub local state', () => {
  it('is not trusted after a publish that failed half-way: reverting still restores every pointer', async () => {
    const root = await mkdtemp(join(tmpdir(), 'driftless-hub-state-'));
    dirs.push(root);
    const bare = await createBareRepo(root, 'fleet');
    await commitFiles(bare, fixtureFleet(), 'v1');
    let failNext = false;
    const store = new MemoryObjectStore({ fault: (op, key) => (failNext && op === 'put' && key === storeLayout.pointer('us-prod-001') ? 'unavailable' : undefined) });
    const hub = createHub({ store, now: () => new Date(), cacheDir: join(root, 'cache'), kustomizeBinary: binaryPath('kustomize'), stateKey: 'memory:test' });
    await hub.compile({ repo: bare });
    const v1 = await digests(store);
    await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'v2');
    failNext = true;
    await expect(hub.compile({ repo: bare })).rejects.toMatchObject({ code: 'StoreUnavailable' });
    failNext = false;
    expect(await digests(store)).not.toEqual(v1);
    await commitFiles(bare, fixtureFleet(), 'revert to v1');
    await hub.compile({ repo: bare });
    expect(await digests(store)).toEqual(v1);
  });

  it('re-signs unchanged pointers when a signing key is added, and again when it is rotated', async () => {
    const { bare, store, hub: _hub } = await setup();
    const root = await mkdtemp(join(tmpdir(), 'driftless-hub-state-'));
    dirs.push(root);
    const withKey = (key?: KeyObject) =>
      createHub({ store, now: () => new Date(), cacheDir: join(root, 'cache'), kustomizeBinary: binaryPath('kustomize'), stateKey: 'memory:test', ...(key ? { signingKey: key } : {}) });
    await withKey().compile({ repo: bare });
    const first = generateKeyPairSync('ed25519');
    expect((await withKey(first.privateKey).compile({ repo: bare })).pointersUpdated).toBe(3);
    const second = generateKeyPairSync('ed25519');
    expect((await withKey(second.privateKey).compile({ repo: bare })).pointersUpdated).toBe(3);
    expect((await withKey(second.privateKey).compile({ repo: bare })).pointersUpdated).toBe(0);
    const got = await store.get(storeLayout.pointer('eu-prod-001'));
    expect(got.kind === 'found' && decodePointer(got.body, 'p', 'eu-prod-001', new PointerVerifier(second.publicKey)).generation).toBe(3);
  });

  it('puts back a blob that a concurrent gc deleted after the publish found it present', async () => {
    const root = await mkdtemp(join(tmpdir(), 'driftless-hub-state-'));
    dirs.push(root);
    const bare = await createBareRepo(root, 'fleet');
    await commitFiles(bare, fixtureFleet(), 'v1');
    const inner = new MemoryObjectStore();
    let gcRacing = false;
    // A store through which a gc deletes every blob right after the hub was told it exists.
    const store: ObjectStore = Object.assign(Object.create(inner) as MemoryObjectStore, {
      putIfAbsent: async (key: string, body: Uint8Array) => {
        const res = await inner.putIfAbsent(key, body);
        if (gcRacing && res.kind === 'exists' && key.startsWith('blobs/')) await inner.delete(key);
        return res;
      },
    });
    const hub = createHub({ store, now: () => new Date(), cacheDir: join(root, 'cache'), kustomizeBinary: binaryPath('kustomize') });
    await hub.compile({ repo: bare });
    await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'v2');
    await hub.compile({ repo: bare });
    await commitFiles(bare, fixtureFleet(), 'back to v1');
    gcRacing = true;
    await hub.compile({ repo: bare });
    for (const [cluster, digest] of Object.entries(await digests(inner))) {
      expect((await inner.head(storeLayout.blob(digest as Digest)))?.size, cluster).toBeGreaterThan(0);
    }
  });

  it('sees a change to the file a symlinked cluster file points at', async () => {
    const root = await mkdtemp(join(tmpdir(), 'driftless-hub-state-'));
    dirs.push(root);
    const bare = await createBareRepo(root, 'fleet');
    const cluster = fixtureFleet()['clusters/eu-stg-001.yaml'] ?? '';
    await commitFiles(bare, { ...fixtureFleet(), 'clusters/eu-stg-001.yaml': null, 'shared/eu-stg-001.yaml': cluster }, 'v1');
    const work = join(root, 'work');
    const git = (args: string[], cwd = work) =>
      promisify(execFile)('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    await git(['clone', '-q', bare, work], root);
    await promisify(execFile)('ln', ['-s', '../shared/eu-stg-001.yaml', join(work, 'clusters', 'eu-stg-001.yaml')]);
    await git(['add', '-A']);
    await git(['commit', '-qm', 'link']);
    await git(['push', '-q', 'origin', 'HEAD:main']);
    const store = new MemoryObjectStore();
    const hub = createHub({ store, now: () => new Date(), cacheDir: join(root, 'cache'), kustomizeBinary: binaryPath('kustomize'), stateKey: 'memory:test' });
    expect((await hub.compile({ repo: bare })).clusters).toBe(3);
    await commitFiles(bare, { 'shared/eu-stg-001.yaml': cluster.replace('eu-west-1', 'eu-central-1') }, 'move staging');
    expect((await hub.compile({ repo: bare })).pointersUpdated).toBe(1);
  });

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
