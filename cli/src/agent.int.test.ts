import type { KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, canonicalBytes, encodeBundle, parseSigningKey, signPointer, storeLayout, type KubeObject, type ObjectStore } from '@driftless/core';
import { writeSigningKeyPair } from '@driftless/hub';
import { createFileStore } from '@driftless/store';
import { uniqueName } from '@driftless/contracts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { main } from './main.js';

const env = inject('driftlessEnv');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Publishes `objects` as cluster c1's bundle at `generation`, the pointer signed with `key` when given. */
async function publish(store: ObjectStore, objects: KubeObject[], generation: number, key?: KeyObject): Promise<void> {
  const encoded = encodeBundle(objects);
  await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
  const pointer = { apiVersion: API_VERSION, kind: 'Pointer' as const, cluster: 'c1', bundle: encoded.digest, revision: '1'.repeat(40), generation, publishedAt: new Date().toISOString() };
  await store.put(storeLayout.pointer('c1'), canonicalBytes(key ? signPointer(pointer, key) : pointer));
}

describe('driftless agent --once', () => {
  it('reconciles the cluster as a user would run it, exiting 0 when Applied and 1 when not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-agent-cli-'));
    dirs.push(dir);
    const store = createFileStore(dir);
    const ns = uniqueName('cli-agent');
    const encoded = encodeBundle([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: ns }, data: { a: 'b' } },
    ] as KubeObject[]);
    await store.putIfAbsent(storeLayout.blob(encoded.digest), encoded.compressed);
    const pointer = { apiVersion: API_VERSION, kind: 'Pointer', cluster: 'c1', bundle: encoded.digest, revision: '1'.repeat(40), generation: 1, publishedAt: new Date().toISOString() };
    await store.put(storeLayout.pointer('c1'), canonicalBytes(pointer));
    const args = ['agent', '--cluster', 'c1', '--store', `file:${dir}`, '--kubeconfig', env.kube.kubeconfig, '--applyset-namespace', uniqueName('driftless'), '--once', '--insecure-skip-verify'];
    const ok = captureIo();
    expect(await main(args, ok)).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ phase: 'Applied', generation: 1 });
    expect(ok.err).toContain('"level":"warn","msg":"insecure mode (--insecure-skip-verify)');

    await store.put(storeLayout.pointer('c1'), new TextEncoder().encode('not json'));
    const bad = captureIo();
    expect(await main(args, bad)).toBe(1);
    expect(bad.err).toContain('error: cluster c1 ended Failed: pointer clusters/c1/desired.json read failed: not JSON');
  });

  it('verifies with any of several --verify-key files (key rotation) and refuses an unsigned pointer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-agent-cli-'));
    dirs.push(dir);
    const [oldKeys, newKeys] = await Promise.all([writeSigningKeyPair(join(dir, 'old')), writeSigningKeyPair(join(dir, 'new'))]);
    const store = createFileStore(join(dir, 'store'));
    const ns = uniqueName('cli-signed');
    const objects = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { ns } }] as KubeObject[];
    const signingKey = async (file: string): Promise<KeyObject> => parseSigningKey(await readFile(file, 'utf8'));
    await publish(store, objects, 1, await signingKey(oldKeys.privateKey));
    const args = ['agent', '--cluster', 'c1', '--store', `file:${join(dir, 'store')}`, '--kubeconfig', env.kube.kubeconfig, '--applyset-namespace', uniqueName('driftless'), '--once'];
    const keys = ['--verify-key', oldKeys.publicKey, '--verify-key', newKeys.publicKey];
    const ok = captureIo();
    expect(await main([...args, ...keys], ok)).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ phase: 'Applied', generation: 1 });
    expect(ok.err).not.toContain('insecure');
    await publish(store, objects, 2, await signingKey(newKeys.privateKey));
    const rotated = captureIo();
    expect(await main([...args, ...keys], rotated)).toBe(0);
    expect(JSON.parse(rotated.out)).toMatchObject({ phase: 'Applied', generation: 2 });

    await publish(store, objects, 3);
    const unsigned = captureIo();
    expect(await main([...args, ...keys], unsigned)).toBe(1);
    expect(unsigned.err).toContain('verify failed: the pointer is not signed and a verify key is configured');
  });

  it.each([
    [[], 'agent refuses to start without --verify-key FILE: pass the hub\'s public key'],
    [['--verify-key', '/nonexistent/driftless.pub'], '--verify-key /nonexistent/driftless.pub cannot be read'],
    [['--verify-key', '/dev/null', '--insecure-skip-verify'], '--insecure-skip-verify cannot be combined with --verify-key'],
  ])('refuses to start with %j, exit 2, saying how to fix it', async (flags, message) => {
    const io = captureIo();
    expect(await main(['agent', '--cluster', 'c1', '--store', 'file:/tmp/x', '--once', ...flags], io)).toBe(2);
    expect(io.err).toContain(message);
  });

  it('refuses a bad --jitter with exit 2', async () => {
    const io = captureIo();
    expect(await main(['agent', '--cluster', 'c1', '--store', 'file:/tmp/x', '--jitter', '2'], io)).toBe(2);
    expect(io.err).toContain('--jitter "2" must be a number from 0 to 1');
  });
});
