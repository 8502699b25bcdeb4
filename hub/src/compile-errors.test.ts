import { DEFAULT_BUNDLE_LIMITS, isDriftlessError } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { createHub } from './hub.js';
import { storeKeys } from './testing/store-reads.js';
import { unitHubDeps, withoutKustomize } from './testing/unit-hub.js';

/** The fixture fleet (plain manifests) with `changes` on top, and a hub over an empty memory store. */
function fleetWith(changes: Record<string, string | null>) {
  const repo = new MemoryRepository();
  repo.commit({ ...withoutKustomize(fixtureFleet()), ...changes }, 'fleet');
  const clock = new VirtualClock(0);
  const store = new MemoryObjectStore({ clock });
  return { store, compile: (opts: { allowPlainSecrets?: boolean } = {}) => createHub(unitHubDeps({ source: repo, store, clock })).compile({ repo: repo.url, ...opts }) };
}

async function compileError(changes: Record<string, string | null>): Promise<string> {
  const { store, compile } = fleetWith(changes);
  const err = await compile().catch((e: unknown) => e);
  expect(await storeKeys(store), 'nothing is published on a compile error').toEqual([]);
  expect(isDriftlessError(err), String(err)).toBe(true);
  return (err as Error).message;
}

const fleetYaml = fixtureFleet()['fleet.yaml'] ?? '';

describe('hub compile refuses a wrong repository, names the place, and publishes nothing', () => {
  it.each([
    ['malformed YAML', { 'apps/config/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n' }, /^apps\/config\/settings\.yaml:\d+: malformed YAML/],
    ['a document without kind', { 'apps/config/settings.yaml': '# x\napiVersion: v1\nmetadata: {name: a}\n' }, /^apps\/config\/settings\.yaml:2: document has no kind/],
    [
      'the same object in two files',
      { 'apps/config/dup.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n' },
      /^apps\/config\/settings\.yaml:2: ConfigMap\/config\/settings is also defined at apps\/config\/dup\.yaml:1/,
    ],
    ['a missing app path', { 'apps/config/settings.yaml': null }, /^fleet\.yaml: app config: path apps\/config does not exist in the repository/],
    ['a path that leaves the repository', { 'fleet.yaml': fleetYaml.replace('path: apps/config', 'path: ../outside') }, /^fleet\.yaml:\d+: spec\.apps\[1\]\.path: path "\.\.\/outside" must stay inside the repository/],
    ['an alias bomb', { 'apps/config/bomb.yaml': bomb() }, /^apps\/config\/bomb\.yaml:1: YAML document refused: .*alias/i],
    ['a file over the size limit', { 'apps/config/huge.yaml': `# ${'x'.repeat(1024 * 1024)}\n` }, /^apps\/config\/huge\.yaml: the file is larger than the limit of 1048576 bytes/],
    [
      'a plain Secret',
      { 'apps/config/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n' },
      /^apps\/config\/secret\.yaml:1: Secret\/db holds data in plain text.*Sealed Secrets or the External Secrets Operator/,
    ],
    ['a cluster file named unlike its cluster', { 'clusters/eu-prod-002.yaml': fixtureFleet()['clusters/eu-prod-001.yaml'] ?? '' }, /^clusters\/eu-prod-002\.yaml:3: metadata\.name eu-prod-001 does not match the file name/],
    ['no fleet.yaml', { 'fleet.yaml': null }, /^fleet\.yaml: not found at the root of the repository/],
    [
      'a cluster whose bundle has more objects than an agent may hold',
      { 'apps/config/many.yaml': manyConfigMaps(DEFAULT_BUNDLE_LIMITS.maxObjects) },
      new RegExp(`^cluster \\S+: bundle sha256:[0-9a-f]{64} encode failed: it holds \\d+ objects, over the limit of ${DEFAULT_BUNDLE_LIMITS.maxObjects} objects`),
    ],
  ])('refuses %s', async (_what, changes, message) => {
    expect(await compileError(changes)).toMatch(message);
  });

  it('accepts a plain Secret with --allow-plain-secrets', async () => {
    const { compile } = fleetWith({ 'apps/config/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n' });
    expect((await compile({ allowPlainSecrets: true })).clusters).toBe(3);
  });
});

/** `n` small ConfigMaps in one file: with the fixture's other objects, more than `n` objects in a bundle. */
function manyConfigMaps(n: number): string {
  return Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m${i}}\n`).join('---\n');
}

/** A YAML alias bomb: ten levels of ten aliases each. */
function bomb(): string {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 9; i++) {
    lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
  }
  return lines.join('\n');
}
