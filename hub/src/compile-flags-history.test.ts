import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { compileFleet } from './compile.js';
import { createHub } from './hub.js';
import { pointedDigests } from './testing/store-reads.js';
import { noKustomize, unitHubDeps } from './testing/unit-hub.js';

const FLAG = 'type: release\nowner: shop\nexpires: 2099-01-01\nvariants: { "on": true, "off": false }\ndefaultVariant: "off"\nnamespaces: [shop]\n';
const FILES = {
  'fleet.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n    - { name: web, path: apps/web, namespace: shop, targets: [{ selector: {} }] }\n',
  'apps/web/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { a: b }\n',
  'clusters/eu-1.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: eu-1 }\n',
  'flags/checkout.yaml': FLAG,
  'flags/search.yaml': FLAG,
};
const HISTORY = 40;

describe('the last-change walk of flag files across compiles', () => {
  it('walks only the commits since the last compile: one new unrelated commit costs O(1) commit reads per flag, and the same bundles', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES, 'flags');
    for (let i = 0; i < HISTORY; i++) repo.commit({ 'notes.txt': `${i}\n` }, `unrelated ${i}`);
    const store = new MemoryObjectStore();
    const hub = createHub(unitHubDeps({ source: repo, store, clock: new VirtualClock(Date.parse('2030-01-01T00:00:00Z')) }));
    await hub.compile({ repo: repo.url });
    const first = await pointedDigests(store, ['eu-1']);
    expect(repo.lastChangeSteps, 'the first compile walks the whole history').toBeGreaterThanOrEqual(2 * HISTORY);

    repo.commit({ 'notes.txt': 'one more\n' }, 'one more unrelated');
    const before = repo.lastChangeSteps;
    const report = await hub.compile({ repo: repo.url });
    expect(repo.lastChangeSteps - before).toBeLessThanOrEqual(2 * 2);
    expect(report.pointersUpdated).toBe(0);
    expect(await pointedDigests(store, ['eu-1'])).toEqual(first);
  });
});

describe('a remembered `blob:` answer (history the clone could not reach)', () => {
  it('is not reused once the history is at hand: the compile names the commit, as a hub without a memo does', async () => {
    const repo = new MemoryRepository();
    const added = repo.commit(FILES, 'flags');
    repo.commit({ 'notes.txt': 'later\n' }, 'unrelated');
    const { reader } = await repo.sync({ repo: repo.url });
    const memo = {
      clusters: {},
      clusterFiles: {},
      flags: { commit: reader.commit, changes: { 'flags/checkout.yaml': 'blob:0000000000000000000000000000000000000000', 'flags/search.yaml': 'blob:0000000000000000000000000000000000000000' } },
    };
    const compiled = await compileFleet(reader, { kustomize: noKustomize, now: Date.parse('2030-01-01T00:00:00Z'), memo });
    expect(compiled.flags?.commitOf.get('checkout')).toBe(added);
    expect(compiled.warnings ?? []).not.toContainEqual(expect.stringContaining('blob:'));
  });
});
