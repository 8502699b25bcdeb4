import { describeRepositorySourceContract } from '@driftless/contracts';
import { describe, expect, it } from 'vitest';
import { MemoryRepository } from './memory-repository.js';

describeRepositorySourceContract('MemoryRepository', () => {
  const repo = new MemoryRepository({ url: 'memory://fleet' });
  return Promise.resolve({
    source: repo,
    repo: 'memory://fleet',
    missingRepo: 'memory://other',
    commit: (files, message, branch) => Promise.resolve(repo.commit(files, message, branch)),
    pointBranch: (branch, commit) => Promise.resolve(void repo.createBranch(branch, commit)),
    deleteBranch: (branch) => Promise.resolve(void repo.deleteBranch(branch)),
    merge: (from, into, opts) => Promise.resolve(repo.merge(from, into, opts)),
    requests: () => Promise.resolve(repo.syncs + repo.resolves),
  });
});

describe('MemoryRepository commit ids', () => {
  const build = (content: string): string[] => {
    const repo = new MemoryRepository();
    return [repo.commit({ 'clusters/a.yaml': content }, 'first'), repo.commit({ 'apps/x.yaml': 'x' }, 'second')];
  };

  it('differ between repositories built the same way with different files, so their revision records never collide', () => {
    const [a1, a2] = build('a');
    const [b1, b2] = build('b');
    expect(b1).not.toBe(a1);
    expect(b2).not.toBe(a2);
  });

  it('are the same for the same files, messages and history, so a simulation replays exactly', () => {
    expect(build('a')).toEqual(build('a'));
  });
});

describe('MemoryRepository createBranch', () => {
  it('branches off a commit and fast-forwards a branch to another, as a merge does', async () => {
    const repo = new MemoryRepository();
    const base = repo.commit({ 'fleet.yaml': 'a' });
    repo.createBranch('feature/x', base);
    const feature = repo.commit({ 'x.txt': 'x' }, 'x', 'feature/x');
    expect((await repo.sync({ repo: repo.url, ref: 'feature/x' })).reader.commit).toBe(feature);
    expect(await repo.isDescendant({ repo: repo.url, commit: feature, ancestor: base })).toBe(true);
    repo.createBranch('main', feature);
    const after = repo.commit({ 'y.txt': 'y' });
    expect(await repo.isDescendant({ repo: repo.url, ref: 'main', commit: after, ancestor: feature })).toBe(true);
    expect(() => repo.createBranch('main', 'f'.repeat(40))).toThrow(/no branch or commit/);
  });
});
