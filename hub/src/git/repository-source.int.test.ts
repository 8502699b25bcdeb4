import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRepositorySourceContract, uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo } from '@driftless/testkit';
import { afterAll, inject } from 'vitest';
import { gitRepositorySource } from './git-repository-source.js';

const env = inject('driftlessEnv');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describeRepositorySourceContract('git over smart HTTP (isomorphic-git, the real git server)', async () => {
  const name = uniqueName('source');
  const bare = await createBareRepo(env.git.root, name);
  const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-git-source-'));
  dirs.push(cacheDir);
  return {
    source: gitRepositorySource({ cacheDir, backoffMs: 1 }),
    repo: `${env.git.baseUrl}${name}.git`,
    missingRepo: `${env.git.baseUrl}no-such-${name}.git`,
    commit: (files, message, branch) => commitFiles(bare, files, message, branch),
  };
});
