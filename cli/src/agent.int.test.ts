import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, canonicalBytes, encodeBundle, storeLayout, type KubeObject } from '@driftless/core';
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
    const args = ['agent', '--cluster', 'c1', '--store', `file:${dir}`, '--kubeconfig', env.kube.kubeconfig, '--applyset-namespace', uniqueName('driftless'), '--once'];
    const ok = captureIo();
    expect(await main(args, ok)).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ phase: 'Applied', generation: 1 });

    await store.put(storeLayout.pointer('c1'), new TextEncoder().encode('not json'));
    const bad = captureIo();
    expect(await main(args, bad)).toBe(1);
    expect(bad.err).toContain('error: cluster c1 ended Failed: pointer clusters/c1/desired.json read failed: not JSON');
  });

  it('refuses a bad --jitter with exit 2', async () => {
    const io = captureIo();
    expect(await main(['agent', '--cluster', 'c1', '--store', 'file:/tmp/x', '--jitter', '2'], io)).toBe(2);
    expect(io.err).toContain('--jitter "2" must be a number from 0 to 1');
  });
});
