import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRepositorySourceContract, uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo, deleteBranch, gitServerStats, mergeBranch, pointBranch, tagCommit } from '@driftless/testkit';
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
    pointBranch: (branch, commit) => pointBranch(bare, branch, commit),
    deleteBranch: (branch) => deleteBranch(bare, branch),
    merge: (from, into, opts) => mergeBranch(bare, from, into, opts),
    tag: (tag, commit) => tagCommit(bare, tag, commit),
    requests: async () => Object.values(await gitServerStats(env.git.baseUrl, `${name}.git`)).reduce((a, b) => a + b, 0),
  };
});
