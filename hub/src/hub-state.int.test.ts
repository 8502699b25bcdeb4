import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { systemClock } from '@driftless/clock';
import { MemoryObjectStore } from '@driftless/fakes';
import { binaryPath, commitFiles, createBareRepo, fixtureFleet } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { setFlagOverride } from './flags/flag-override.js';
import { auditOf, createHub } from './hub.js';
import { quietLog } from './hub-log.js';
import { nodeHubDeps } from './node-hub-deps.js';
import { pointerOf } from './testing/store-reads.js';
import { tempDirs } from './testing/temp-dirs.js';

const tempDir = tempDirs('hub-state');

/** A local bare fleet repository, a memory store, and process-wired hubs (git, kustomize, state files) by cache directory. */
async function setup() {
  const root = await tempDir();
  const bare = await createBareRepo(root, 'fleet');
  await commitFiles(bare, fixtureFleet(), 'first');
  const store = new MemoryObjectStore();
  const hub = (cache: string) =>
    createHub(nodeHubDeps({ store, clock: systemClock, cacheDir: join(root, cache), kustomizeBinary: binaryPath('kustomize'), stateKey: 'memory:test' }));
  return { root, bare, store, hub };
}

const requests = (s: MemoryObjectStore): number => s.counters.get200 + s.counters.get304 + s.counters.get404 + s.counters.put + s.counters.putRefused + s.counters.list;

describe('hub state in the cache directory, with git and kustomize', () => {
  // Five since review 14b #1: flags/overrides.json is read again after the publish, pointers moved or not (a flag set that raced it).
  it('makes a compile of an unchanged commit cost five store reads (marker, freeze, flag overrides before and after, record) and write nothing', async () => {
    const { bare, store, hub } = await setup();
    await hub('a').compile({ repo: bare });
    const before = { requests: requests(store), puts: store.counters.put };
    const report = await hub('a').compile({ repo: bare });
    expect(report).toMatchObject({ blobsWritten: 0, pointersUpdated: 0 });
    expect(store.counters.put - before.puts).toBe(0);
    expect(requests(store) - before.requests).toBe(5);
  });

  it('reads no bundle for an unchanged commit while a flag override is active: the same five requests as without it', async () => {
    const { bare, store, hub } = await setup();
    await commitFiles(bare, { 'flags/checkout.yaml': 'type: kill-switch\nowner: shop\nvariants: { "on": true, "off": false }\ndefaultVariant: "on"\nnamespaces: [web]\n' }, 'flag');
    await hub('a').compile({ repo: bare });
    await setFlagOverride({ store, clock: systemClock, audit: auditOf({ store, clock: systemClock }), newId: () => 'flag-set', log: quietLog }, { flag: 'checkout', variant: 'off', actor: 'oncall', reason: 'incident' });
    // flag set moved pointers, so this compile trusts no state; it saves one that records the override.
    expect((await hub('a').compile({ repo: bare })).pointersUpdated).toBe(0);
    const before = { requests: requests(store), puts: store.counters.put };
    const report = await hub('a').compile({ repo: bare });
    expect(report).toMatchObject({ blobsWritten: 0, pointersUpdated: 0 });
    expect(store.counters.put - before.puts).toBe(0);
    // marker, freeze, flags/overrides.json twice (found now, where it was absent above), record: no bundle.
    expect(requests(store) - before.requests).toBe(5);
  });

  it('is not trusted once another hub has published, and the result stays right', async () => {
    const { bare, store, hub } = await setup();
    await hub('a').compile({ repo: bare });
    await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'second');
    await hub('b').compile({ repo: bare });
    await commitFiles(bare, { 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'area: "') }, 'third');
    const report = await hub('a').compile({ repo: bare });
    expect(report).toMatchObject({ pointersUpdated: 3, refused: [], orphaned: [] });
    expect((await pointerOf(store, 'eu-prod-001')).generation).toBe(3);
  });

  it('sees a change to the file a symlinked cluster file points at', async () => {
    const { root, hub } = await setup();
    const bare = await createBareRepo(root, 'linked');
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
    expect((await hub('linked').compile({ repo: bare })).clusters).toBe(3);
    await commitFiles(bare, { 'shared/eu-stg-001.yaml': cluster.replace('eu-west-1', 'eu-central-1') }, 'move staging');
    expect((await hub('linked').compile({ repo: bare })).pointersUpdated).toBe(1);
  });
});
