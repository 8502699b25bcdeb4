import { createHash } from 'node:crypto';
import { chmod, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { isDriftlessError } from '@driftless/core';
import { createFileStore } from '@driftless/store';
import { startFaultyProxy } from '@driftless/contracts';
import { systemClock } from '@driftless/clock';
import { binaryPath, commitFiles, createBareRepo, fixtureFleet, startGitServer } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { createHub } from './hub.js';
import { nodeHubDeps, type NodeHubOptions } from './node-hub-deps.js';
import { storeKeys } from './testing/store-reads.js';
import { tempDirs } from './testing/temp-dirs.js';

const tempDir = tempDirs('hub-errors');

/** A process-wired hub (git, the kustomize binary, no state) publishing to a file store in `root`. */
function fileHub(root: string, name: string, over: Partial<NodeHubOptions> = {}) {
  return createHub(
    nodeHubDeps({
      store: createFileStore(join(root, `store-${name}`)),
      // Real servers, real time: the git retries wait on this clock.
      clock: systemClock,
      cacheDir: join(root, `cache-${name}`),
      kustomizeBinary: binaryPath('kustomize'),
      ...over,
    }),
  );
}

/** A local bare fleet repository with `changes` applied on top of the fixture, and a hub on a file store. */
async function fleetWith(changes: Record<string, string | Uint8Array | null>) {
  const root = await tempDir();
  const bare = await createBareRepo(root, 'fleet');
  await commitFiles(bare, { ...fixtureFleet(), ...changes }, 'fleet');
  return { bare, hub: fileHub(root, 'fleet'), storeDir: join(root, 'store-fleet') };
}

async function compileError(changes: Record<string, string | Uint8Array | null>): Promise<string> {
  const { bare, hub, storeDir } = await fleetWith(changes);
  const err = await hub.compile({ repo: bare }).catch((e: unknown) => e);
  expect(await storeKeys(createFileStore(storeDir)), 'nothing is published on a compile error').toEqual([]);
  expect(isDriftlessError(err), String(err)).toBe(true);
  return (err as Error).message;
}

/** `text` encoded as Latin-1 (one byte per character), which is not UTF-8 once it holds an accented letter. */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

describe('hub compile refuses a wrong repository, names the place, and publishes nothing', () => {
  it.each([
    ['a kustomize reference to a remote', { 'apps/web/overlays/prod/kustomization.yaml': 'resources: [../../base, https://example.invalid/x.yaml]\n' }, /^apps\/web\/overlays\/prod\/kustomization\.yaml:1: resources: https:\/\/example\.invalid\/x\.yaml is a remote reference/],
    ['a kustomize path that leaves the repository', { 'apps/web/overlays/prod/kustomization.yaml': 'resources: [../../../../../etc]\n' }, /^apps\/web\/overlays\/prod\/kustomization\.yaml:1: resources: \.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc leaves the repository/],
    ['a broken kustomization', { 'apps/web/base/kustomization.yaml': 'resources: [deployment.yaml, service.yaml]\nnamePrefix: [oops]\n' }, /^apps\/web\/overlays\/prod: kustomize build failed: [\s\S]*invalid Kustomization[\s\S]*namePrefix/],
    ['malformed YAML beside a kustomize app', { 'apps/config/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n' }, /^apps\/config\/settings\.yaml:\d+: malformed YAML/],
    ['a manifest that is not UTF-8', { 'apps/config/latin1.yaml': latin1('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\u00e9}\n') }, /^apps\/config\/latin1\.yaml:3: the file is not UTF-8 text/],
    ['a cluster file that is not UTF-8', { 'clusters/eu-prod-001.yaml': latin1(`${fixtureFleet()['clusters/eu-prod-001.yaml'] ?? ''}# r\u00e9gion\n`) }, /^clusters\/eu-prod-001\.yaml:\d+: the file is not UTF-8 text/],
    ['a fleet.yaml that is not UTF-8', { 'fleet.yaml': latin1(`# \u00e9\n${fixtureFleet()['fleet.yaml'] ?? ''}`) }, /^fleet\.yaml:1: the file is not UTF-8 text/],
    ['a kustomize resource that is not UTF-8', { 'apps/web/base/service.yaml': latin1('# \u00e9\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n') }, /^apps\/web\/base\/service\.yaml:1: the file is not UTF-8 text/],
    ['a kustomization that is not UTF-8', { 'apps/web/base/kustomization.yaml': latin1('# \u00e9\nresources: [deployment.yaml, service.yaml]\n') }, /^apps\/web\/base\/kustomization\.yaml:1: the file is not UTF-8 text/],
  ])('refuses %s', async (_what, changes, message) => {
    expect(await compileError(changes)).toMatch(message);
  });

  it('refuses a symlink that points outside the repository', async () => {
    const root = await tempDir();
    const work = join(root, 'work');
    const git = (args: string[]) => promisify(execFile)('git', args, { cwd: work, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    const bare = await createBareRepo(root, 'fleet');
    await commitFiles(bare, fixtureFleet(), 'fleet');
    await promisify(execFile)('git', ['clone', '-q', bare, work]);
    await promisify(execFile)('ln', ['-s', '../../../../etc/passwd', join(work, 'apps', 'config', 'passwd.yaml')]);
    await git(['add', '-A']);
    await git(['commit', '-qm', 'symlink out']);
    await git(['push', '-q', 'origin', 'HEAD:main']);
    await expect(fileHub(root, 'symlink').compile({ repo: bare })).rejects.toThrow(/^apps\/config\/passwd\.yaml: symlink to \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd points outside the repository/);
  });
});

describe('hub compile refuses a git blob over the file limit before inflating it', () => {
  // The blob's compressed body is corrupted well after its header: inflating it
  // would fail with a zlib error, so "larger than the limit" shows that the hub
  // took the size from the header and never inflated the body.
  it.each([
    ['stored loose', false],
    ['packed', true],
  ])('%s', async (_what, packed) => {
    const root = await tempDir();
    const bare = await createBareRepo(root, 'fleet');
    await commitFiles(bare, { ...fixtureFleet(), 'apps/config/big.yaml': noise(2 * 1024 * 1024) }, 'fleet');
    const git = async (args: string[]) => (await promisify(execFile)('git', args, { cwd: bare })).stdout.trim();
    if (packed) await git(['repack', '-adq']);
    const oid = await git(['rev-parse', 'HEAD:apps/config/big.yaml']);
    if (packed) {
      const idx = (await readdir(join(bare, 'objects', 'pack'))).find((n) => n.endsWith('.idx')) ?? '';
      const line = (await git(['verify-pack', '-v', join('objects', 'pack', idx)])).split('\n').find((l) => l.startsWith(oid)) ?? '';
      const pack = join(bare, 'objects', 'pack', idx.replace(/\.idx$/, '.pack'));
      await corrupt(pack, Number(line.split(/\s+/)[4]) + 1000);
      await reseal(pack, join(bare, 'objects', 'pack', idx));
    } else {
      await corrupt(join(bare, 'objects', oid.slice(0, 2), oid.slice(2)), 1000);
    }
    await expect(fileHub(root, 'big').compile({ repo: bare })).rejects.toThrow(/^apps\/config\/big\.yaml: the file is larger than the limit of 1048576 bytes/);
  });
});

/**
 * Writes a pack's checksums again after `corrupt`, as a forger would: the
 * pack's trailer, the copy of it in its index, and the index's own checksum.
 */
async function reseal(pack: string, idx: string): Promise<void> {
  const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest();
  const p = await readFile(pack);
  const packSum = sha1(p.subarray(0, p.length - 20));
  await writeFile(pack, Buffer.concat([p.subarray(0, p.length - 20), packSum]));
  const i = await readFile(idx);
  const body = Buffer.concat([i.subarray(0, i.length - 40), packSum]);
  await chmod(idx, 0o644);
  await writeFile(idx, Buffer.concat([body, sha1(body)]));
}

/** `bytes` of letters that compress poorly (a fixed linear congruential sequence), so the blob's body is long. */
function noise(bytes: number): string {
  let x = 1;
  let out = '# ';
  while (out.length < bytes) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += String.fromCharCode(97 + (x % 26));
  }
  return `${out}\n`;
}

/** Overwrites 500 bytes of `file` from `offset` (git writes objects read-only). */
async function corrupt(file: string, offset: number): Promise<void> {
  await chmod(file, 0o644);
  const handle = await open(file, 'r+');
  try {
    await handle.write(Buffer.alloc(500, 0xa5), 0, 500, offset);
  } finally {
    await handle.close();
  }
}

describe('hub git access', () => {
  it('authenticates with a token, and says how to fix a refusal without showing the token', async () => {
    const root = await tempDir();
    await commitFiles(await createBareRepo(root, 'fleet'), fixtureFleet(), 'fleet');
    const server = await startGitServer({ root, auth: { username: 'x-access-token', password: 'tok-123-secret' } });
    try {
      const hubWith = (password?: string) => fileHub(root, password ?? 'none', password ? { gitAuth: { username: 'x-access-token', password } } : {});
      const url = `${server.baseUrl}fleet.git`;
      expect((await hubWith('tok-123-secret').compile({ repo: url })).clusters).toBe(3);
      const err = await hubWith('wrong-tok-456').compile({ repo: url }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'GitRefused', errorClass: 'stalled' });
      expect((err as Error).message).toContain(`git fetch ${url} failed: HTTP 401`);
      expect((err as Error).message).toContain('check DRIFTLESS_GIT_TOKEN');
      expect(JSON.stringify(err) + (err as Error).message).not.toMatch(/tok-123|wrong-tok/);
    } finally {
      await server.close();
    }
  });

  it('retries a remote that answers 503, then succeeds; gives up after its attempts', async () => {
    const root = await tempDir();
    await commitFiles(await createBareRepo(root, 'fleet'), fixtureFleet(), 'fleet');
    const server = await startGitServer({ root });
    const flaky = await startFaultyProxy(server.baseUrl, ({ n }) => (n <= 2 ? { status: 503, body: 'busy' } : undefined));
    const down = await startFaultyProxy(server.baseUrl, () => ({ status: 503, body: 'busy' }));
    try {
      const hub = (name: string) => fileHub(root, name, { gitBackoffMs: 1, gitAttempts: 4 });
      expect((await hub('flaky').compile({ repo: `${flaky.url}/fleet.git` })).clusters).toBe(3);
      const err = await hub('down').compile({ repo: `${down.url}/fleet.git` }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'GitUnavailable', errorClass: 'transient' });
      expect((err as Error).message).toMatch(/failed after 4 attempts: HTTP 503/);
      expect(down.received).toBe(4);
    } finally {
      await Promise.all([flaky.close(), down.close(), server.close()]);
    }
  });

  it('gives up on a remote that accepts the request and never answers, instead of hanging', async () => {
    const root = await tempDir();
    let received = 0;
    const silent = createServer(() => {
      received += 1; // and never answer
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const hub = fileHub(root, 'silent', { gitBackoffMs: 1, gitAttempts: 2, gitTimeoutMs: 200 });
      const err = await hub.compile({ repo: `http://127.0.0.1:${port}/fleet.git` }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'GitUnavailable', errorClass: 'transient' });
      expect((err as Error).message).toMatch(/failed after 2 attempts: no response \(timed out\)/);
      expect(received).toBe(2);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
