import { generateKeyPairSync } from 'node:crypto';
import { BUNDLE_API_VERSION, decodePointer, isDriftlessError, parseJsonDocument, PointerVerifier, revisionRecordSchema, storeLayout, UNPLACED_BUNDLE_API_VERSION, type ObjectStore } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { createHub, type HubDeps } from './hub.js';
import { bundleOf, objectNames, pointerOf, storeKeys } from './testing/store-reads.js';
import { unitHubDeps, withoutKustomize } from './testing/unit-hub.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const fleet = (): Record<string, string> => withoutKustomize(fixtureFleet());

/** The fixture fleet (plain manifests) committed to a memory repository, and a hub over a memory store. */
function setup(over: Partial<HubDeps> = {}, opts: { stateless?: boolean } = {}) {
  const clock = new VirtualClock(START);
  const repo = new MemoryRepository();
  const first = repo.commit(fleet(), 'first');
  const store = new MemoryObjectStore({ clock });
  const hub = createHub(unitHubDeps({ source: repo, store, clock, ...over }, opts));
  return { clock, repo, first, store, hub, compile: (req: { allowMassPrune?: boolean } = {}) => hub.compile({ repo: repo.url, ...req }) };
}

/** The fixture's fleet.yaml where prod clusters would lose every object: no web target, config for staging only. */
const prodLosesAll = (): string =>
  (fleet()['fleet.yaml'] ?? '')
    .replace('matchLabels: { env: prod }', 'matchLabels: { env: none }')
    .replace('        - selector: {}\n', '        - selector: { matchLabels: { region: eu, env: staging } }\n');

describe.each([
  ['with hub state', false],
  ['without hub state', true],
])('hub compile on memory (%s)', (_what, stateless) => {
  it('publishes every cluster its bundle: plain manifests, variables, namespaces, a revision record', async () => {
    const { store, compile, first } = setup({}, { stateless });
    const report = await compile();
    expect(report).toEqual({ revision: first, clusters: 3, uniqueBundles: 3, blobsWritten: 3, blobsRepaired: 0, pointersUpdated: 3, orphaned: [], refused: [], durationMs: 0 });
    const prod = await bundleOf(store, 'eu-prod-001');
    expect(objectNames(prod)).toEqual(['ConfigMap/config/settings', 'Namespace/-/config', 'Service/web/web', 'Deployment/web/web']);
    const deploy = prod.objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number; template: { spec: { containers: { env: { value: string }[] }[] } } } };
    expect(deploy.spec.replicas).toBe(3);
    expect(deploy.spec.template.spec.containers[0]?.env[0]?.value).toBe('eu-west-1');
    const staging = await bundleOf(store, 'eu-stg-001');
    expect((staging.objects.find((o) => o.kind === 'ConfigMap') as unknown as { data: unknown }).data).toEqual({ cluster: 'eu-stg-001', region: 'eu' });
    const p = await pointerOf(store, 'us-prod-001');
    expect(p).toMatchObject({ generation: 1, revision: first, cluster: 'us-prod-001', publishedAt: '2030-01-01T00:00:00.000Z' });
    const record = await store.get(storeLayout.revision(first));
    const parsed = record.kind === 'found' ? parseJsonDocument(revisionRecordSchema, record.body, 'r') : undefined;
    expect(parsed).toMatchObject({ publishedAt: '2030-01-01T00:00:00.000Z', clusters: { 'us-prod-001': p.bundle } });
  });

  it('syncs the repository once per compile, and compiling the same commit again writes nothing', async () => {
    const { store, compile, repo } = setup({}, { stateless });
    await compile();
    expect(repo.syncs).toBe(1);
    const puts = store.counters.put;
    expect(await compile()).toMatchObject({ blobsWritten: 0, pointersUpdated: 0 });
    expect(repo.syncs).toBe(2);
    expect(store.counters.put).toBe(puts);
  });

  it('moves only the pointers whose bundle changed, to the next generation', async () => {
    const { store, compile, repo } = setup({}, { stateless });
    await compile();
    const second = repo.commit({ 'fleet.yaml': (fleet()['fleet.yaml'] ?? '').replace('replicas: "3"', 'replicas: "4"') }, 'four prod replicas');
    expect(await compile()).toMatchObject({ revision: second, blobsWritten: 2, pointersUpdated: 2 });
    expect(await pointerOf(store, 'eu-prod-001')).toMatchObject({ generation: 2, revision: second });
    expect(await pointerOf(store, 'us-prod-001')).toMatchObject({ generation: 2, revision: second });
    expect(await pointerOf(store, 'eu-stg-001')).toMatchObject({ generation: 1 });
  });

  it('publishes nothing when any file is wrong, and names the file and line', async () => {
    const { store, compile, repo } = setup({}, { stateless });
    await compile();
    const before = await storeKeys(store);
    const puts = store.counters.put;
    repo.commit({ 'apps/config/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata: { a: "${vars.nope}" }\n' }, 'bad var');
    const err = await compile().catch((e: unknown) => e);
    expect(isDriftlessError(err, 'InvalidDocument') && err.message).toMatch(/^apps\/config\/extra\.yaml:4: unknown variable \$\{vars\.nope\} for cluster eu-prod-001/);
    expect(await storeKeys(store)).toEqual(before);
    expect(store.counters.put).toBe(puts);
  });

  it('refuses a mass prune for the clusters it would hit, again on the next compile, until allowed', async () => {
    const { store, compile, repo } = setup({}, { stateless });
    await compile();
    repo.commit({ 'fleet.yaml': prodLosesAll() }, 'drop most of prod');
    const refused = await compile();
    expect(refused.refused).toEqual([
      { cluster: 'eu-prod-001', reason: 'would remove 4 of its 4 objects (ConfigMap/config/settings, Namespace/config, Service/web/web, …); pass --allow-mass-prune if that is intended' },
      { cluster: 'us-prod-001', reason: 'would remove 4 of its 4 objects (ConfigMap/config/settings, Namespace/config, Service/web/web, …); pass --allow-mass-prune if that is intended' },
    ]);
    expect(refused.pointersUpdated).toBe(0);
    expect((await compile()).refused.map((r) => r.cluster)).toEqual(['eu-prod-001', 'us-prod-001']);
    expect((await pointerOf(store, 'eu-prod-001')).generation).toBe(1);
    const allowed = await compile({ allowMassPrune: true });
    expect(allowed).toMatchObject({ refused: [], pointersUpdated: 2 });
    expect((await pointerOf(store, 'eu-prod-001')).generation).toBe(2);
  });

  it('does not count a custom resource the hub now leaves unplaced (its namespace only a hint) as removed', async () => {
    const { store, compile, repo } = setup({}, { stateless });
    // Certificates whose CRD is not in the bundle: as the hub before the hint placed them, in the app's namespace.
    const certs = (namespace: string): string =>
      ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: { name: ${n}${namespace} }\nspec: { secretName: ${n} }\n`).join('---\n');
    repo.commit({ 'apps/config/certs.yaml': certs(', namespace: config') }, 'certificates, placed');
    await compile();
    expect((await bundleOf(store, 'eu-prod-001')).apiVersion).toBe(BUNDLE_API_VERSION);
    repo.commit({ 'apps/config/certs.yaml': certs('') }, 'certificates, unplaced');
    expect(await compile()).toMatchObject({ refused: [], pointersUpdated: 3 });
    const unplaced = await bundleOf(store, 'eu-prod-001');
    expect(unplaced.apiVersion).toBe(UNPLACED_BUNDLE_API_VERSION);
    expect(objectNames(unplaced).filter((n) => n.startsWith('Certificate/'))).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `Certificate/-/${n}`));
    // Moving them to another namespace is still a removal.
    repo.commit({ 'apps/config/certs.yaml': certs(', namespace: elsewhere') }, 'certificates, elsewhere');
    expect((await compile()).refused.map((r) => r.cluster)).toEqual(['eu-prod-001', 'eu-stg-001', 'us-prod-001']);
  });

  it('keeps the pointer of a cluster whose file was removed, and reports it orphaned on every compile', async () => {
    const { store, compile, repo } = setup({}, { stateless });
    await compile();
    repo.commit({ 'clusters/us-prod-001.yaml': null }, 'decommission us');
    expect(await compile()).toMatchObject({ clusters: 2, orphaned: ['us-prod-001'], pointersUpdated: 0 });
    repo.commit({ 'apps/config/settings.yaml': (fleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'change config');
    expect(await compile()).toMatchObject({ clusters: 2, orphaned: ['us-prod-001'], pointersUpdated: 2 });
    expect((await pointerOf(store, 'us-prod-001')).generation).toBe(1);
  });

  it('signs pointers with the configured key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { store, compile } = setup({ signingKey: privateKey }, { stateless });
    await compile();
    const got = await store.get(storeLayout.pointer('eu-prod-001'));
    expect(got.kind === 'found' && decodePointer(got.body, 'p', 'eu-prod-001', new PointerVerifier(publicKey)).generation).toBe(1);
  });

  it('puts back a blob that a concurrent gc deleted after the publish found it present', async () => {
    const clock = new VirtualClock(START);
    const repo = new MemoryRepository();
    repo.commit(fleet(), 'v1');
    let gcRacing = false;
    // A gc deleting every blob right after the hub was told it exists.
    const inner = new MemoryObjectStore({ clock });
    const store: ObjectStore = Object.assign(Object.create(inner) as MemoryObjectStore, {
      putIfAbsent: async (key: string, body: Uint8Array) => {
        const res = await inner.putIfAbsent(key, body);
        if (gcRacing && res.kind === 'exists' && key.startsWith('blobs/')) await inner.delete(key);
        return res;
      },
    });
    const hub = createHub(unitHubDeps({ source: repo, store, clock }, { stateless }));
    await hub.compile({ repo: repo.url });
    repo.commit({ 'apps/config/settings.yaml': (fleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'v2');
    await hub.compile({ repo: repo.url });
    repo.commit(fleet(), 'back to v1');
    gcRacing = true;
    expect((await hub.compile({ repo: repo.url })).pointersUpdated).toBe(3);
    for (const cluster of ['eu-prod-001', 'eu-stg-001', 'us-prod-001']) {
      expect((await bundleOf(inner, cluster)).objects.length, cluster).toBeGreaterThan(0);
    }
  });
});
