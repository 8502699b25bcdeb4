import * as fs from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo, gitServerStats, mergeBranch, pointBranch } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { gitRepositorySource } from './git-repository-source.js';

const env = inject('driftlessEnv');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh remote with `main` (three commits) and two feature branches from main's head, and an empty cache. */
async function fixture(): Promise<{ repo: string; bare: string; name: string; cacheDir: string; main: string; x: string; y: string }> {
  const name = uniqueName('branch-fetch');
  const bare = await createBareRepo(env.git.root, name);
  for (let i = 1; i <= 3; i++) await commitFiles(bare, { 'fleet.yaml': `v: ${i}\n` }, `main ${i}`);
  const main = await commitFiles(bare, { 'fleet.yaml': 'v: 4\n' }, 'main 4');
  await pointBranch(bare, 'feature/x', main);
  await pointBranch(bare, 'feature/y', main);
  const x = await commitFiles(bare, { 'apps/x.yaml': 'x\n' }, 'x', 'feature/x');
  const y = await commitFiles(bare, { 'apps/y.yaml': 'y\n' }, 'y', 'feature/y');
  const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-branch-fetch-'));
  dirs.push(cacheDir);
  return { repo: `${env.git.baseUrl}${name}.git`, bare, name, cacheDir, main, x, y };
}

const has = (gitdir: string, oid: string): Promise<boolean> =>
  git.readObject({ fs, gitdir, oid }).then(
    () => true,
    () => false,
  );

describe('a branch synced into the clone of the default branch (the real git server)', () => {
  it('fetches just that branch into the one cached clone, once, and the default branch stays what a plain sync opens', async () => {
    const f = await fixture();
    const source = gitRepositorySource({ cacheDir: f.cacheDir, backoffMs: 1 });
    expect((await source.sync({ repo: f.repo })).reader.commit).toBe(f.main);
    const clones = await readdir(join(f.cacheDir, 'repos'));
    expect(clones).toHaveLength(1);
    const gitdir = join(f.cacheDir, 'repos', clones[0] ?? '', '.git');

    const before = await gitServerStats(env.git.baseUrl, `${f.name}.git`);
    const branch = await source.sync({ repo: f.repo, ref: 'feature/x' });
    const after = await gitServerStats(env.git.baseUrl, `${f.name}.git`);
    expect(branch.reader.commit).toBe(f.x);
    expect(after['git-upload-pack'] - before['git-upload-pack'], 'one fetch').toBe(1);
    expect(await readdir(join(f.cacheDir, 'repos')), 'the same clone, no second one').toEqual(clones);
    expect(await has(gitdir, f.x)).toBe(true);
    expect(await has(gitdir, f.y), 'another branch is not fetched').toBe(false);
    expect(await has(gitdir, (await git.readCommit({ fs, gitdir, oid: f.main })).commit.parent[0] ?? ''), 'still shallow').toBe(false);

    const main2 = await commitFiles(f.bare, { 'fleet.yaml': 'v: 5\n' }, 'main 5');
    const again = await source.sync({ repo: f.repo });
    expect(again.ref).toBe('main');
    expect(again.reader.commit, 'the default branch, not the branch synced last').toBe(main2);
    expect(await again.reader.stat('apps/x.yaml')).toBeUndefined();
  });

  it.each([
    ['a merge commit', false],
    ['a fast-forward', true],
  ])('finds a branch merged by %s in the default branch, from a shallow clone that synced the branch first', async (_, fastForward) => {
    const f = await fixture();
    const source = gitRepositorySource({ cacheDir: f.cacheDir, backoffMs: 1 });
    await source.sync({ repo: f.repo });
    // The branch's first commit, as the preview cycle remembers it, then a newer one.
    const branchHead = (await source.sync({ repo: f.repo, ref: 'feature/x' })).reader.commit;
    await commitFiles(f.bare, { 'apps/x.yaml': 'x 2\n' }, 'x 2', 'feature/x');
    if (!fastForward) await commitFiles(f.bare, { 'fleet.yaml': 'v: 5\n' }, 'main 5');
    const merged = await mergeBranch(f.bare, 'feature/x', 'main', { fastForward });
    const base = await source.sync({ repo: f.repo });
    expect(base.reader.commit).toBe(merged);
    expect(await source.isDescendant({ repo: f.repo, ref: 'main', commit: base.reader.commit, ancestor: branchHead })).toBe(true);
    expect(await source.isDescendant({ repo: f.repo, ref: 'main', commit: base.reader.commit, ancestor: f.y }), 'an unmerged branch').toBe(false);
    expect((await source.sync({ repo: f.repo, ref: 'feature/y' })).reader.commit).toBe(f.y);
  });
});
