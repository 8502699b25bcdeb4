import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { API_VERSION, compileError, decodeBundle, parseJsonDocument, previewSchema, previewsSpecSchema, storeLayout, type Digest, type KubeObject, type ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { commitFiles, createBareRepo, pointBranch, s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.js';
import { gitRepositorySource } from '../git/git-repository-source.js';
import { noKustomize } from '../testing/unit-hub.js';
import { runPreviewCycle } from './preview-cycle.js';
import { PREVIEWS_HOSTS_KEY } from './previews-hosts.js';
import type { BuildPreview, PreviewBase, SetPreviewsPointer } from './preview-types.js';

const env = inject('driftlessEnv');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const HOSTS = ['host-a', 'host-b'];

/** Each host gets the preview's Namespace and a ConfigMap naming the commit built; a commit holding `broken.yaml` fails. */
const build: BuildPreview = async (req) => {
  const broken = await req.reader.readFile('broken.yaml', 1024).then(
    () => true,
    () => false,
  );
  if (broken) throw compileError('broken.yaml', 1, `branch ${req.branch}: not a manifest`);
  const labels = { 'driftless.io/preview': req.slug };
  return new Map<string, KubeObject[]>(
    req.base.hosts.map((h) => [
      h.metadata.name,
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: req.namespace, labels } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: req.namespace, labels }, data: { commit: req.reader.commit } },
      ],
    ]),
  );
};

async function hostConfigMaps(store: ObjectStore, digest: Digest | undefined): Promise<Record<string, unknown>> {
  if (digest === undefined) return {};
  const got = await store.get(storeLayout.blob(digest));
  if (got.kind !== 'found') throw new Error(`blob ${digest} missing`);
  const objects = decodeBundle(got.body, digest).objects.filter((o) => o.kind === 'ConfigMap');
  return Object.fromEntries(objects.map((o) => [o.metadata.namespace ?? '', (o as { data?: { commit?: string } }).data?.commit]));
}

describe('preview cycle against the real git server and MinIO', () => {
  it('push, push again, a second branch, a broken branch, merge and delete', async () => {
    const name = uniqueName('previews');
    const bare = await createBareRepo(env.git.root, name);
    const repo = `${env.git.baseUrl}${name}.git`;
    const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-preview-cycle-'));
    const store = s3StoreFor(env, uniqueName('previews'));
    cleanups.push(() => rm(cacheDir, { recursive: true, force: true }), () => store.destroy());
    const source = gitRepositorySource({ cacheDir, backoffMs: 1 });
    const clock = new VirtualClock(Date.UTC(2026, 10, 30));
    const audit = createAuditLog({ store, clock });
    const pointers = new Map<string, Digest>();
    const setPreviews: SetPreviewsPointer = (host, digest) => {
      if (pointers.get(host) === digest) return Promise.resolve('kept');
      if (digest === undefined) pointers.delete(host);
      else pointers.set(host, digest);
      return Promise.resolve('moved');
    };
    const spec = previewsSpecSchema.parse({ branches: ['feature/*'], clusters: {}, apps: ['web'], namespace: 'pr-${branch.slug}', ttl: '72h' });
    const hosts = HOSTS.map((n) => ({ apiVersion: API_VERSION, kind: 'Cluster' as const, metadata: { name: n, labels: {} }, spec: { vars: {} } }));
    const cycle = async () => {
      const listing = await source.listBranches({ repo });
      const base: PreviewBase = { revision: listing.branches.get('main') as string, branch: 'main', spec, hosts, inputs: 'i1' };
      const deps = { store, clock, source, build, buildOptions: { kustomize: noKustomize }, setPreviews, audit, log: () => undefined };
      return runPreviewCycle(deps, { repo, listing, base, actor: 'ci' });
    };

    const main = await commitFiles(bare, { 'fleet.yaml': 'kind: Fleet\n' }, 'base');
    await pointBranch(bare, 'feature/a', main);
    const a1 = await commitFiles(bare, { 'a.txt': '1' }, 'a1', 'feature/a');
    expect((await cycle()).previews).toMatchObject([{ branch: 'feature/a', action: 'created', commit: a1 }]);
    expect(await hostConfigMaps(store, pointers.get('host-a'))).toEqual({ 'pr-feature-a': a1 });

    const a2 = await commitFiles(bare, { 'a.txt': '2' }, 'a2', 'feature/a');
    await pointBranch(bare, 'feature/b', main);
    const b1 = await commitFiles(bare, { 'b.txt': '1' }, 'b1', 'feature/b');
    await pointBranch(bare, 'feature/c', main);
    await commitFiles(bare, { 'broken.yaml': ': :' }, 'broken', 'feature/c');
    const second = await cycle();
    expect(second.previews.map((p) => [p.branch, p.action])).toEqual([
      ['feature/a', 'updated'],
      ['feature/b', 'created'],
      ['feature/c', 'failed'],
    ]);
    expect(await hostConfigMaps(store, pointers.get('host-b'))).toEqual({ 'pr-feature-a': a2, 'pr-feature-b': b1 });
    const docC = await store.get(storeLayout.preview('feature-c'));
    expect(docC.kind === 'found' && parseJsonDocument(previewSchema, docC.body, 'c').error?.message).toContain('broken.yaml:1');

    await pointBranch(bare, 'main', a2);
    await commitFiles(bare, { 'after-merge.txt': 'x' }, 'after the merge');
    await promisify(execFile)('git', ['--git-dir', bare, 'update-ref', '-d', 'refs/heads/feature/b']);
    const third = await cycle();
    expect(third.previews.map((p) => [p.branch, p.action, p.reason])).toEqual([
      ['feature/a', 'removed', 'merged into main'],
      ['feature/b', 'removed', 'branch deleted'],
      ['feature/c', 'unchanged', undefined],
    ]);
    expect(pointers.size).toBe(0);
    expect(await store.head(storeLayout.preview('feature-a'))).toBeUndefined();
    const entries = await audit.read();
    expect(entries.map((e) => [e.action, e.subject, e.actor])).toEqual([
      ['preview.created', 'preview/feature-a', 'ci'],
      ['preview.updated', 'preview/feature-a', 'ci'],
      ['preview.created', 'preview/feature-b', 'ci'],
      ['preview.removed', 'preview/feature-a', 'ci'],
      ['preview.removed', 'preview/feature-b', 'ci'],
    ]);
  });

  it('with a memo, an idle cycle on MinIO reads no blob, writes nothing and asks no pointer; a host whose pointer fails is held', async () => {
    const name = uniqueName('previews-idle');
    const bare = await createBareRepo(env.git.root, name);
    const repo = `${env.git.baseUrl}${name}.git`;
    const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-preview-idle-'));
    const s3 = s3StoreFor(env, uniqueName('previews-idle'));
    cleanups.push(() => rm(cacheDir, { recursive: true, force: true }), () => s3.destroy());
    const ops: string[] = [];
    const store: ObjectStore = {
      get: (k, o) => (ops.push(`get ${k}`), s3.get(k, o)),
      head: (k, o) => s3.head(k, o),
      putIfAbsent: (k, b, o) => (ops.push(`putIfAbsent ${k}`), s3.putIfAbsent(k, b, o)),
      put: (k, b, o) => (ops.push(`put ${k}`), s3.put(k, b, o)),
      list: (p, o) => s3.list(p, o),
      delete: (k, o) => (ops.push(`delete ${k}`), s3.delete(k, o)),
    };
    const source = gitRepositorySource({ cacheDir, backoffMs: 1 });
    const clock = new VirtualClock(Date.UTC(2026, 10, 30));
    const pointers = new Map<string, Digest>();
    const asked: string[] = [];
    const broken = new Set(['host-b']);
    const setPreviews: SetPreviewsPointer = async (host, digest, beforeMove) => {
      asked.push(host);
      if (broken.has(host)) throw new Error(`pointer of ${host} is corrupt`);
      if (pointers.get(host) === digest) return 'kept';
      await beforeMove?.();
      if (digest === undefined) pointers.delete(host);
      else pointers.set(host, digest);
      return 'moved';
    };
    const spec = previewsSpecSchema.parse({ branches: ['feature/*'], clusters: {}, apps: ['web'], namespace: 'pr-${branch.slug}', ttl: '72h' });
    const hosts = HOSTS.map((n) => ({ apiVersion: API_VERSION, kind: 'Cluster' as const, metadata: { name: n, labels: {} }, spec: { vars: {} } }));
    const memo = { merged: new Map<string, boolean>() };
    const cycle = async () => {
      const listing = await source.listBranches({ repo });
      const base: PreviewBase = { revision: listing.branches.get('main') as string, branch: 'main', spec, hosts, inputs: 'i1' };
      const deps = { store, clock, source, build, buildOptions: { kustomize: noKustomize }, setPreviews, audit: { append: () => Promise.resolve() }, log: () => undefined, memo };
      return runPreviewCycle(deps, { repo, listing, base });
    };
    const main = await commitFiles(bare, { 'fleet.yaml': 'kind: Fleet\n' }, 'base');
    await pointBranch(bare, 'feature/a', main);
    await commitFiles(bare, { 'a.txt': '1' }, 'a1', 'feature/a');
    const first = await cycle();
    expect(first.hostsMoved).toEqual(['host-a']);
    expect(first.hostsHeld).toEqual([{ cluster: 'host-b', reason: 'previews move failed: pointer of host-b is corrupt' }]);
    expect(await store.head(storeLayout.preview('feature-a'))).toBeDefined();
    broken.clear();
    expect((await cycle()).hostsMoved).toEqual(['host-b']);

    ops.length = 0;
    asked.length = 0;
    const idle = await cycle();
    expect(idle.previews.map((p) => p.action)).toEqual(['unchanged']);
    // What an idle cycle still reads: the documents, the ttl record, the hosts record and the freeze.
    const reads = new Set(['get hub/previews-expired.json', `get ${PREVIEWS_HOSTS_KEY}`, `get ${storeLayout.freeze}`]);
    expect(ops.filter((o) => !o.startsWith(`get ${storeLayout.previewsPrefix}`) && !reads.has(o))).toEqual([]);
    expect(asked).toEqual([]);
  });
});
