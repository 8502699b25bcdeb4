import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from '@driftless/contracts';
import type { RepositoryRequest, RepositorySource } from '@driftless/core';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { commitFiles, createBareRepo } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { gitRepositorySource } from '../git/git-repository-source.js';
import { createHubServer, type HubServerEvents } from './hub-server.js';

const env = inject('driftlessEnv');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('hub serve against the real git server', () => {
  it('compiles a pushed commit once, and fetches nothing while the ref is unchanged', async () => {
    const name = uniqueName('serve');
    const bare = await createBareRepo(env.git.root, name);
    const first = await commitFiles(bare, { 'fleet.yaml': 'a: 1\n' }, 'first');
    const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-serve-'));
    dirs.push(cacheDir);
    const git = gitRepositorySource({ cacheDir, backoffMs: 1 });
    let syncs = 0;
    const source: RepositorySource = {
      ...git,
      sync: (r: RepositoryRequest) => {
        syncs += 1;
        return git.sync(r);
      },
    };
    const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
    const compiled: string[] = [];
    const repo = `${env.git.baseUrl}${name}.git`;
    const server = createHubServer({
      store: new MemoryObjectStore({ clock }),
      clock,
      source,
      repo,
      identity: 'hub-a',
      pollMs: 30_000,
      // What the hub's compile does first: one fetch of the repository.
      compile: async (target) => {
        const revision = (await source.sync(target)).reader.commit;
        compiled.push(revision);
        return { revision };
      },
      step: () => Promise.resolve(),
    });
    // Each poll lists refs over real HTTP, outside virtual time: move the clock one poll at a time and wait for it.
    const nextPoll = async (): Promise<HubServerEvents['poll'][0]> => {
      const polled = once(server.events, 'poll') as Promise<[HubServerEvents['poll'][0]]>;
      await clock.advance(clock.now() + 30_000);
      return (await polled)[0];
    };
    try {
      const firstPoll = once(server.events, 'poll') as Promise<[HubServerEvents['poll'][0]]>;
      server.start();
      expect((await firstPoll)[0]).toMatchObject({ commit: first, compiled: true });
      expect(await nextPoll()).toMatchObject({ commit: first, compiled: false });
      expect(await nextPoll()).toMatchObject({ commit: first, compiled: false });
      expect(syncs, 'unchanged ref: no fetch').toBe(1);

      const second = await commitFiles(bare, { 'fleet.yaml': 'a: 2\n' }, 'second');
      expect(await nextPoll()).toMatchObject({ commit: second, compiled: true });
      expect(await nextPoll()).toMatchObject({ commit: second, compiled: false });
      expect(compiled).toEqual([first, second]);
      expect(syncs).toBe(2);
    } finally {
      await server.stop();
    }
  });
});
