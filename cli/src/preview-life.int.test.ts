import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createAgent } from '@driftless/agent';
import { seededRng } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { createAuditLog, createHub, nodeHubDeps } from '@driftless/hub';
import { createKubeTarget } from '@driftless/kube';
import { binaryPath, commitFiles, createBareRepo, deleteBranch, mergeBranch, pointBranch, s3StoreFor } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { cli, cliOnMinio, START } from './testing/delivery-world.js';
import { previewFleet, type PreviewFleetShape } from './testing/preview-fleet.js';

// Issue 16 item 6: preview environments end to end with the real git server,
// MinIO, kube-apiserver and a real agent on the host cluster. The hub runs as
// `hub compile --previews` does in CI: one compile, then one preview cycle.
const env = inject('driftlessEnv');
const cleanup = cliOnMinio();

async function world() {
  const ns = uniqueName('e2e');
  const prefix = uniqueName('previews');
  const store = s3StoreFor(env, prefix);
  const dir = await mkdtemp(join(tmpdir(), 'driftless-previews-'));
  cleanup(
    () => store.destroy(),
    () => rm(dir, { recursive: true, force: true }),
  );
  const keys = generateKeyPairSync('ed25519');
  const bare = await createBareRepo(env.git.root, ns);
  const repo = `${env.git.baseUrl}${ns}.git`;
  const clock = new VirtualClock(START);
  const first = await commitFiles(bare, previewFleet(ns), 'first');
  const hub = createHub(nodeHubDeps({ store, clock, cacheDir: join(dir, 'cache'), kustomizeBinary: binaryPath('kustomize'), helmBinary: binaryPath('helm'), gitBackoffMs: 1, signingKey: keys.privateKey }));
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  const kube = createKubeTarget(kc);
  const agent = createAgent({ clock, rng: seededRng(1), store, kube, config: { cluster: 'host', intervalMs: 1_000, jitter: 0, verifyKeys: [keys.publicKey], parent: { name: 'driftless-applyset', namespace: `${ns}-agent` } } });
  const audit = createAuditLog({ store, clock, signingKey: keys.privateKey });
  return {
    ns,
    store,
    clock,
    first,
    agent,
    kube,
    /** Starts `branch` at main's first commit and commits the fleet with `shape` on it. */
    async push(branch: string, shape: PreviewFleetShape, message = `${branch}: ${JSON.stringify(shape)}`) {
      if (!(await branchExists(bare, branch))) await pointBranch(bare, branch, first);
      return await commitFiles(bare, previewFleet(ns, shape), message, branch);
    },
    deleteBranch: (branch: string) => deleteBranch(bare, branch),
    merge: (branch: string) => mergeBranch(bare, branch, 'main'),
    compile: () => hub.compile({ repo, previews: true }),
    /** The ConfigMap web-settings of namespace `namespace` in the kube-apiserver, as a data map; undefined when there is none. */
    async settings(namespace: string): Promise<Record<string, string> | undefined> {
      const cm = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'web-settings' });
      return cm?.['data'] as Record<string, string> | undefined;
    },
    /** Whether namespace `name` exists and is not being deleted (a bare API server has no namespace controller to finish a deletion). */
    async namespaceLive(name: string): Promise<boolean> {
      const got = await kube.get({ apiVersion: 'v1', kind: 'Namespace', name });
      return got !== undefined && got.metadata['deletionTimestamp'] === undefined;
    },
    async previewsJson(): Promise<{ branch: string; namespace: string; phase: string; commit: string; hosts: { cluster: string; phase: string }[]; error?: unknown }[]> {
      const out = await cli(['previews', '--json', '--store', `s3://${env.s3.bucket}/${prefix}`]);
      expect(out).toMatchObject({ code: 0 });
      return JSON.parse(out.out) as never;
    },
    auditActions: async () => (await audit.read()).map((e) => `${e.action} ${e.subject}`),
  };
}

/** Whether the bare repository has `branch` (a push of its first commit creates it from main's first commit). */
async function branchExists(bare: string, branch: string): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return await new Promise((resolve) => execFile('git', ['--git-dir', bare, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], (err) => resolve(err === null)));
}

describe('a preview environment per branch, on the real git server, MinIO and kube-apiserver', () => {
  it('comes up on push, follows a second push, and is pruned with its namespace when the branch is deleted', async () => {
    const w = await world();
    await w.compile();
    const pushed = await w.push('feature/login', { version: '2' });
    const created = await w.compile();
    expect(created.previews?.previews).toEqual([expect.objectContaining({ branch: 'feature/login', action: 'created', commit: pushed })]);
    expect(await w.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    const namespace = `${w.ns}-pr-feature-login`;
    expect(await w.settings(namespace)).toMatchObject({ version: '2', cluster: 'host', host: 'feature-login.preview.example.com' });
    expect(await w.settings(`${w.ns}-web`), 'the host keeps its own release').toMatchObject({ version: '1', host: 'main.example.com' });
    expect(await w.previewsJson()).toEqual([expect.objectContaining({ branch: 'feature/login', namespace, phase: 'Applied', commit: pushed, hosts: [{ cluster: 'host', phase: 'Applied' }] })]);

    const again = await w.push('feature/login', { version: '3' });
    expect((await w.compile()).previews?.previews).toEqual([expect.objectContaining({ action: 'updated', commit: again })]);
    await w.agent.runOnce();
    expect(await w.settings(namespace)).toMatchObject({ version: '3' });

    await w.deleteBranch('feature/login');
    expect((await w.compile()).previews?.previews).toEqual([expect.objectContaining({ action: 'removed', reason: 'branch deleted' })]);
    await w.agent.runOnce();
    expect(await w.settings(namespace)).toBeUndefined();
    expect(await w.namespaceLive(namespace)).toBe(false);
    expect(await w.settings(`${w.ns}-web`)).toMatchObject({ version: '1' });
    expect(await w.previewsJson()).toEqual([]);
    expect((await w.auditActions()).filter((a) => a.startsWith('preview.'))).toEqual([
      'preview.created preview/feature-login',
      'preview.updated preview/feature-login',
      'preview.removed preview/feature-login',
    ]);
  });

  it('runs two branches side by side, one with an 80-character name with slashes and capitals, and removes the one merged', async () => {
    const w = await world();
    await w.compile();
    const long = 'feature/JIRA-1234/Add-A-Very-Long-Descriptive-Name-For-The-New-Checkout-Flow-123';
    expect(long).toHaveLength(80);
    await w.push('feature/a', { version: 'a' });
    await w.push(long, { version: 'long' });
    const built = await w.compile();
    expect(built.previews?.previews.map((p) => [p.branch, p.action])).toEqual(
      expect.arrayContaining([
        ['feature/a', 'created'],
        [long, 'created'],
      ]),
    );
    await w.agent.runOnce();
    const listed = await w.previewsJson();
    const longNs = listed.find((p) => p.branch === long)?.namespace ?? '';
    expect(longNs).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(longNs.length).toBeLessThanOrEqual(63);
    expect(await w.settings(longNs)).toMatchObject({ version: 'long' });
    expect(await w.settings(`${w.ns}-pr-feature-a`)).toMatchObject({ version: 'a' });

    await w.merge('feature/a');
    const merged = await w.compile();
    expect(merged.previews?.previews).toEqual(expect.arrayContaining([expect.objectContaining({ branch: 'feature/a', action: 'removed', reason: 'merged into main' })]));
    await w.agent.runOnce();
    expect(await w.settings(`${w.ns}-web`), 'the merge is released').toMatchObject({ version: 'a' });
    expect(await w.settings(`${w.ns}-pr-feature-a`)).toBeUndefined();
    expect(await w.settings(longNs), 'the other preview stays').toMatchObject({ version: 'long' });
  });

  it('reports a branch that fails to build on its preview only: the release and the other preview go on', async () => {
    const w = await world();
    await w.compile();
    await w.push('feature/ok', { version: 'ok' });
    await w.push('feature/broken', { version: 'broken', extra: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: reader }\nrules: []\n' });
    const report = await w.compile();
    const broken = report.previews?.previews.find((p) => p.branch === 'feature/broken');
    expect(broken).toMatchObject({ action: 'failed' });
    expect(broken?.reason).toContain('apps/web/manifests.yaml');
    expect(broken?.reason).toContain('ClusterRole');
    expect(report.previews?.previews.find((p) => p.branch === 'feature/ok')).toMatchObject({ action: 'created' });
    expect(await w.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    expect(await w.settings(`${w.ns}-pr-feature-ok`)).toMatchObject({ version: 'ok' });
    expect(await w.namespaceLive(`${w.ns}-pr-feature-broken`)).toBe(false);
    const listed = await w.previewsJson();
    expect(listed.find((p) => p.branch === 'feature/broken')).toMatchObject({ phase: expect.stringContaining('Failed'), error: expect.anything() });
  });
});
