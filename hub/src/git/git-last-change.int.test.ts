import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { compileFleet } from '../compile.js';
import { noKustomize } from '../testing/unit-hub.js';
import { gitRepositorySource } from './git-repository-source.js';
import { openTreeReader } from './git-tree-reader.js';
import { tempDirs } from '../testing/temp-dirs.js';

const env = inject('driftlessEnv');
const tempDir = tempDirs('last-change');

const FILES = {
  'fleet.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n    - { name: web, path: apps/web, namespace: shop, targets: [{ selector: {} }] }\n',
  'apps/web/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { a: b }\n',
  'clusters/eu-1.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: eu-1 }\n',
  'flags/checkout.yaml': 'type: kill-switch\nowner: shop\nvariants: { "on": true, "off": false }\ndefaultVariant: "on"\nnamespaces: [shop]\n',
};

/** A fleet repository on the real git server whose flag file was added five commits before its head. */
async function fleetRepo(): Promise<{ bare: string; url: string; added: string }> {
  const name = uniqueName('last-change');
  const bare = await createBareRepo(env.git.root, name);
  const added = await commitFiles(bare, FILES, 'fleet with a flag');
  for (let i = 0; i < 5; i++) await commitFiles(bare, { 'notes.txt': `${i}\n` }, `unrelated ${i}`);
  return { bare, url: `${env.git.baseUrl}${name}.git`, added };
}

/** A shallow clone of `url` at `depth`, opened with no way to deepen it (a server that has no more history to send). */
async function shallowReader(url: string, depth: number) {
  const dir = join(await tempDir(), 'clone.git');
  await promisify(execFile)('git', ['clone', '-q', '--bare', `--depth=${depth}`, url, dir]);
  const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: dir });
  return await openTreeReader(dir, stdout.trim());
}

const digests = async (reader: Parameters<typeof compileFleet>[0]) =>
  Object.fromEntries([...(await compileFleet(reader, { kustomize: noKustomize, now: Date.parse('2030-01-01T00:00:00Z') })).bundles].map(([c, b]) => [c, b.digest]));

describe('a flag file\'s last change on a shallow clone (the real git server)', () => {
  it('a depth-1 clone that deepens names the same commit, and compiles the same bundles, as the full history', async () => {
    const { bare, url, added } = await fleetRepo();
    const { reader } = await gitRepositorySource({ cacheDir: await tempDir(), backoffMs: 1 }).sync({ repo: url });
    expect(await reader.lastChange('flags/checkout.yaml')).toBe(added);
    const full = await openTreeReader(bare, reader.commit);
    expect(await digests(reader)).toEqual(await digests(full));
  });

  it('with history it cannot deepen, answers the file\'s blob whatever the depth (never the oldest commit at hand), and the compile warns', async () => {
    const { url } = await fleetRepo();
    const one = await shallowReader(url, 1);
    const blob = `blob:${(await one.stat('flags/checkout.yaml'))?.oid}`;
    expect(await one.lastChange('flags/checkout.yaml')).toBe(blob);
    expect(await (await shallowReader(url, 3)).lastChange('flags/checkout.yaml')).toBe(blob);
    expect(await digests(await shallowReader(url, 3))).toEqual(await digests(one));
    const compiled = await compileFleet(one, { kustomize: noKustomize, now: Date.parse('2030-01-01T00:00:00Z') });
    expect(compiled.warnings).toEqual([expect.stringContaining(`flags/checkout.yaml: the commit that last changed it is older than the history the hub's clone could fetch, so its metadata.commit is ${blob}`)]);
  });
});
