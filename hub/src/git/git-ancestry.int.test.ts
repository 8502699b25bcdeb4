import * as fs from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { uniqueName } from '@driftless/contracts';
import { appendCommits, commitFiles, createBareRepo, gitServerStats, mergeBranch, pointBranch } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { gitRepositorySource } from './git-repository-source.js';

const env = inject('driftlessEnv');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The root commit's time; the history then has one commit every 6 hours (600 commits: 150 days). */
const T0 = Date.UTC(2024, 0, 1);
const HISTORY = 600;
/** main's head time. */
const HEAD = T0 + HISTORY * 6 * HOUR;
const at = (ms: number): Date => new Date(ms);

/**
 * A fresh remote whose `main` has a root and HISTORY more commits, and
 * `feature/x` forked 500 commits before main's head with one commit dated
 * `branchDate` (default: main's head time, a branch worked on today).
 */
async function fixture(branchDate?: number): Promise<{ repo: string; bare: string; name: string; root: string; head: string; fork: string; x: string }> {
  const name = uniqueName('ancestry');
  const bare = await createBareRepo(env.git.root, name);
  const root = await commitFiles(bare, { 'fleet.yaml': 'v: 0\n' }, 'root', 'main', { date: new Date(T0) });
  const history = await appendCommits(bare, 'main', Array.from({ length: HISTORY }, (_, i) => new Date(T0 + (i + 1) * 6 * HOUR)));
  const head = history.at(-1) ?? '';
  const fork = history.at(-501) ?? '';
  await pointBranch(bare, 'feature/x', fork);
  const x = await commitFiles(bare, { 'apps/x.yaml': 'x\n' }, 'x', 'feature/x', { date: at(branchDate ?? HEAD) });
  return { repo: `${env.git.baseUrl}${name}.git`, bare, name, root, head, fork, x };
}

/** A hub's source with an empty cache, that has synced main (the base) and then `feature/x` (as the preview cycle does), and the clone's gitdir. */
async function synced(f: { repo: string; x: string }): Promise<{ source: ReturnType<typeof gitRepositorySource>; gitdir: string; base: string }> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-ancestry-'));
  dirs.push(cacheDir);
  const source = gitRepositorySource({ cacheDir, backoffMs: 1 });
  const base = (await source.sync({ repo: f.repo })).reader.commit;
  expect((await source.sync({ repo: f.repo, ref: 'feature/x' })).reader.commit).toBe(f.x);
  const [clone] = await readdir(join(cacheDir, 'repos'));
  return { source, gitdir: join(cacheDir, 'repos', clone ?? '', '.git'), base };
}

const has = (gitdir: string, oid: string): Promise<boolean> =>
  git.readObject({ fs, gitdir, oid }).then(
    () => true,
    () => false,
  );

const fetches = async (name: string): Promise<number> => (await gitServerStats(env.git.baseUrl, `${name}.git`))['git-upload-pack'];

describe('isDescendant with byDate: a merged check over a long history (the real git server)', () => {
  it('answers an unmerged branch forked 500 commits back with one small fetch, without the old history; the exact check fetches all of it', async () => {
    const f = await fixture();
    const bounded = await synced(f);
    const before = await fetches(f.name);
    const query = { repo: f.repo, ref: 'main', commit: bounded.base, ancestor: f.x };
    expect(await bounded.source.isDescendant({ ...query, byDate: true }), 'not merged').toBe(false);
    expect((await fetches(f.name)) - before, 'one deepening').toBeLessThanOrEqual(1);
    expect(await has(bounded.gitdir, f.fork), 'the fork point, 500 commits back, was never fetched').toBe(false);
    expect(await has(bounded.gitdir, f.root)).toBe(false);

    const exact = await synced(f);
    expect(await exact.source.isDescendant(query), 'not merged').toBe(false);
    expect(await has(exact.gitdir, f.root), 'the exact check fetched the whole history').toBe(true);
  });

  it('answers true for a branch merged 3 commits ago, with and without byDate', async () => {
    const f = await fixture();
    await mergeBranch(f.bare, 'feature/x', 'main', { date: at(HEAD + HOUR) });
    for (let i = 1; i <= 2; i++) await commitFiles(f.bare, { 'fleet.yaml': `after: ${i}\n` }, `after merge ${i}`, 'main', { date: at(HEAD + (1 + i) * HOUR) });
    const { source, base } = await synced(f);
    const query = { repo: f.repo, ref: 'main', commit: base, ancestor: f.x };
    expect(await source.isDescendant({ ...query, byDate: true })).toBe(true);
    expect(await source.isDescendant(query)).toBe(true);
  });

  it('finds a branch as old as its fork point merged 100 commits ago (the walk goes back to its commit, not to the root)', async () => {
    const f = await fixture(T0 + 101 * 6 * HOUR);
    await mergeBranch(f.bare, 'feature/x', 'main', { date: at(HEAD + HOUR) });
    await appendCommits(f.bare, 'main', Array.from({ length: 100 }, (_, i) => at(HEAD + (2 + i) * HOUR)));
    const { source, gitdir, base } = await synced(f);
    expect(await source.isDescendant({ repo: f.repo, ref: 'main', commit: base, ancestor: f.x, byDate: true })).toBe(true);
    expect(await has(gitdir, f.root), 'nothing older than the branch commit by more than the slop').toBe(false);
  });

  it('answers false (documented) for a merged branch committed by a clock more than the slop ahead: it is then removed at branch deletion or ttl', async () => {
    const f = await fixture(HEAD + 30 * DAY);
    await mergeBranch(f.bare, 'feature/x', 'main', { date: at(HEAD + HOUR) });
    await commitFiles(f.bare, { 'fleet.yaml': 'after\n' }, 'after merge', 'main', { date: at(HEAD + 2 * HOUR) });
    const { source, base } = await synced(f);
    const query = { repo: f.repo, ref: 'main', commit: base, ancestor: f.x };
    expect(await source.isDescendant({ ...query, byDate: true }), 'every base commit is older than the bound').toBe(false);
    expect(await source.isDescendant(query), 'the exact check still sees the merge').toBe(true);
  });

  it('falls back to the exact walk when the clone does not hold the ancestor (its date is unknown)', async () => {
    const f = await fixture();
    await mergeBranch(f.bare, 'feature/x', 'main', { date: at(HEAD + HOUR) });
    const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-ancestry-'));
    dirs.push(cacheDir);
    const source = gitRepositorySource({ cacheDir, backoffMs: 1 });
    const base = (await source.sync({ repo: f.repo })).reader.commit;
    expect(await source.isDescendant({ repo: f.repo, ref: 'main', commit: base, ancestor: f.fork, byDate: true })).toBe(true);
  });
});
