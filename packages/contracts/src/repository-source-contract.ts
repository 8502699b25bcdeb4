import { isDriftlessError, type RepoReader, type RepositorySource } from '@driftless/core';
import { describe, expect, it } from 'vitest';

/** A repository source under test, over a fresh, empty repository. */
export interface RepositorySourceSubject {
  readonly source: RepositorySource;
  /** What `sync` is asked for to read the repository. */
  readonly repo: string;
  /** A repository of the same kind that does not exist. */
  readonly missingRepo: string;
  /**
   * Commits `files` (a string writes the file, null deletes it; others are
   * kept) to `branch`, created from an empty tree when new (default: the
   * default branch). Resolves with the commit id.
   */
  commit(files: Readonly<Record<string, string | null>>, message: string, branch?: string): Promise<string>;
  /** Points `branch` at `commit` (created or moved): how a test starts a branch from another branch's head. */
  pointBranch(branch: string, commit: string): Promise<void>;
  /** Deletes `branch`, as a push that deletes it (or a merged pull request's cleanup) does. */
  deleteBranch(branch: string): Promise<void>;
  /**
   * Merges `from` into `into` as a pull request's merge button does: a merge
   * commit with two parents (`into`'s head first), or with `fastForward` just
   * moving `into` to `from`'s head. Resolves with `into`'s new head.
   */
  merge(from: string, into: string, opts?: { fastForward?: boolean }): Promise<string>;
  /** Tags `commit` (an annotated tag) as `tag`; absent where the repository has no tags. */
  tag?(tag: string, commit: string): Promise<void>;
  /** Requests the repository has served so far (all kinds), where they can be counted. */
  requests?(): Promise<number>;
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * The behaviour every RepositorySource must have, run unchanged against git
 * (isomorphic-git and the real git server) and the in-memory repository, so
 * the fake cannot drift from the real thing. `make` returns a fresh subject.
 */
export function describeRepositorySourceContract(name: string, make: () => Promise<RepositorySourceSubject>): void {
  describe(`RepositorySource contract: ${name}`, () => {
    const synced = async (files: Readonly<Record<string, string | null>>): Promise<{ subject: RepositorySourceSubject; reader: RepoReader; id: string }> => {
      const subject = await make();
      const id = await subject.commit(files, 'first');
      const { reader } = await subject.source.sync({ repo: subject.repo });
      return { subject, reader, id };
    };

    it('opens the newest commit of the default branch, and a newer one on the next sync', async () => {
      const { subject, reader, id } = await synced({ 'a.yaml': 'a: 1\n' });
      expect(reader.commit).toBe(id);
      expect(reader.commit).toMatch(/^[0-9a-f]{40}$/);
      const second = await subject.commit({ 'a.yaml': 'a: 2\n' }, 'second');
      const next = await subject.source.sync({ repo: subject.repo });
      expect(next.reader.commit).toBe(second);
      expect(text(await next.reader.readFile('a.yaml', 100))).toBe('a: 2\n');
      expect(text(await reader.readFile('a.yaml', 100)), 'an opened commit stays as it was').toBe('a: 1\n');
    });

    it('opens a named branch, and names the ref it opened', async () => {
      const subject = await make();
      await subject.commit({ 'a.yaml': 'main\n' }, 'main');
      const feature = await subject.commit({ 'b.yaml': 'feature\n' }, 'feature', 'feature');
      const snapshot = await subject.source.sync({ repo: subject.repo, ref: 'feature' });
      expect(snapshot).toMatchObject({ ref: 'feature', remote: subject.repo });
      expect(snapshot.reader.commit).toBe(feature);
      expect(await snapshot.reader.stat('a.yaml'), 'a new branch starts from an empty tree').toBeUndefined();
    });

    it('refuses a ref that does not exist, naming the repository and the ref', async () => {
      const subject = await make();
      await subject.commit({ 'a.yaml': 'a\n' }, 'first');
      const err = await subject.source.sync({ repo: subject.repo, ref: 'no-such-branch' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'GitRefused', errorClass: 'stalled', data: { remote: subject.repo, ref: 'no-such-branch' } });
      expect((err as Error).message).toContain(`${subject.repo} (ref no-such-branch) failed`);
    });

    it('refuses a repository that does not exist', async () => {
      const subject = await make();
      const err = await subject.source.sync({ repo: subject.missingRepo }).catch((e: unknown) => e);
      expect(isDriftlessError(err, 'GitRefused') && err.data.remote).toBe(subject.missingRepo);
    });

    it('stats files and directories, and answers undefined for what is not there', async () => {
      const { reader } = await synced({ 'fleet.yaml': 'f\n', 'apps/web/a.yaml': 'a\n' });
      expect(await reader.stat('fleet.yaml')).toMatchObject({ path: 'fleet.yaml', type: 'file' });
      expect(await reader.stat('apps/web')).toMatchObject({ path: 'apps/web', type: 'dir' });
      expect(await reader.stat('apps/web/')).toMatchObject({ path: 'apps/web', type: 'dir' });
      expect(await reader.stat('')).toMatchObject({ path: '', type: 'dir' });
      expect(await reader.stat('apps/nothing')).toBeUndefined();
      expect(await reader.stat('fleet.yaml/inside')).toBeUndefined();
    });

    it('lists a directory by full path in name order, and nothing for a file or a missing directory', async () => {
      const { reader } = await synced({ 'apps/b.yaml': 'b\n', 'apps/a.yaml': 'a\n', 'apps/sub/c.yaml': 'c\n', 'fleet.yaml': 'f\n' });
      expect((await reader.list('apps')).map((e) => [e.path, e.type])).toEqual([
        ['apps/a.yaml', 'file'],
        ['apps/b.yaml', 'file'],
        ['apps/sub', 'dir'],
      ]);
      expect((await reader.list('')).map((e) => e.path)).toEqual(['apps', 'fleet.yaml']);
      expect(await reader.list('fleet.yaml')).toEqual([]);
      expect(await reader.list('missing')).toEqual([]);
    });

    it('reads file bytes up to a limit, refusing larger files and what is not a file', async () => {
      const { reader } = await synced({ 'apps/a.yaml': 'x'.repeat(100) });
      expect(text(await reader.readFile('apps/a.yaml', 100))).toBe('x'.repeat(100));
      await expect(reader.readFile('apps/a.yaml', 99)).rejects.toMatchObject({
        code: 'TooLarge',
        message: 'apps/a.yaml: the file is larger than the limit of 99 bytes',
        data: { subject: 'apps/a.yaml', limitBytes: 99, what: 'object' },
      });
      await expect(reader.readFile('apps', 100)).rejects.toMatchObject({ code: 'InvalidDocument', message: 'apps: is a dir, not a file' });
      await expect(reader.readFile('apps/b.yaml', 100)).rejects.toMatchObject({ code: 'InvalidDocument', message: 'apps/b.yaml: no such file in the repository' });
    });

    it('gives equal content equal ids, and a changed file a new id up to the root, not its siblings', async () => {
      const { subject, reader } = await synced({ 'a/x.yaml': 'same\n', 'b/y.yaml': 'same\n', 'c/z.yaml': 'other\n' });
      const oid = async (r: RepoReader, p: string): Promise<string | undefined> => (await r.stat(p))?.oid;
      expect(await oid(reader, 'a/x.yaml')).toBe(await oid(reader, 'b/y.yaml'));
      expect(await oid(reader, 'a/x.yaml')).not.toBe(await oid(reader, 'c/z.yaml'));
      await subject.commit({ 'a/x.yaml': 'changed\n', 'c/gone.yaml': null }, 'change a');
      const { reader: after } = await subject.source.sync({ repo: subject.repo });
      for (const changed of ['a/x.yaml', 'a', '']) expect(await oid(after, changed), changed).not.toBe(await oid(reader, changed));
      for (const same of ['b/y.yaml', 'b', 'c']) expect(await oid(after, same), same).toBe(await oid(reader, same));
    });

    it('answers git ancestry: a newer commit descends from older ones, not the reverse, not itself', async () => {
      const subject = await make();
      const first = await subject.commit({ 'a.yaml': '1\n' }, 'first');
      const second = await subject.commit({ 'a.yaml': '2\n' }, 'second');
      const third = await subject.commit({ 'a.yaml': '3\n' }, 'third');
      // Only the newest commit was opened: a shallow clone must deepen to see `first`.
      expect((await subject.source.sync({ repo: subject.repo })).reader.commit).toBe(third);
      const ask = (commit: string, ancestor: string): Promise<boolean> => subject.source.isDescendant({ repo: subject.repo, commit, ancestor });
      expect(await ask(third, first), 'third descends from first').toBe(true);
      expect(await ask(third, second), 'third descends from second').toBe(true);
      expect(await ask(second, third), 'an older commit does not descend from a newer one').toBe(false);
      expect(await ask(third, third), 'the same commit').toBe(false);
      expect(await ask(third, '0'.repeat(40)), 'a commit the repository does not know').toBe(false);
    });

    it('answers no for unrelated histories, either way round', async () => {
      const subject = await make();
      const main = await subject.commit({ 'a.yaml': 'main\n' }, 'main');
      await subject.commit({ 'a.yaml': 'main 2\n' }, 'main 2');
      const other = await subject.commit({ 'b.yaml': 'other\n' }, 'other root', 'other');
      await subject.commit({ 'b.yaml': 'other 2\n' }, 'other 2', 'other');
      const mainHead = (await subject.source.sync({ repo: subject.repo })).reader.commit;
      expect(await subject.source.isDescendant({ repo: subject.repo, commit: mainHead, ancestor: main })).toBe(true);
      expect(await subject.source.isDescendant({ repo: subject.repo, commit: mainHead, ancestor: other })).toBe(false);
      const otherHead = (await subject.source.sync({ repo: subject.repo, ref: 'other' })).reader.commit;
      expect(await subject.source.isDescendant({ repo: subject.repo, ref: 'other', commit: otherHead, ancestor: other })).toBe(true);
      expect(await subject.source.isDescendant({ repo: subject.repo, ref: 'other', commit: otherHead, ancestor: main })).toBe(false);
    });

    it('resolves a ref to the commit a sync would open, and to a newer one after a commit', async () => {
      const subject = await make();
      const first = await subject.commit({ 'a.yaml': '1\n' }, 'first');
      const feature = await subject.commit({ 'b.yaml': 'f\n' }, 'feature', 'feature');
      expect(await subject.source.resolveRef({ repo: subject.repo })).toBe(first);
      expect(await subject.source.resolveRef({ repo: subject.repo, ref: 'feature' })).toBe(feature);
      const second = await subject.commit({ 'a.yaml': '2\n' }, 'second');
      expect(await subject.source.resolveRef({ repo: subject.repo }), 'a new commit, seen without a sync').toBe(second);
      expect((await subject.source.sync({ repo: subject.repo })).reader.commit).toBe(second);
    });

    it('refuses to resolve a ref or a repository that does not exist, naming them', async () => {
      const subject = await make();
      await subject.commit({ 'a.yaml': 'a\n' }, 'first');
      const err = await subject.source.resolveRef({ repo: subject.repo, ref: 'no-such-branch' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'GitRefused', errorClass: 'stalled', data: { remote: subject.repo, ref: 'no-such-branch' } });
      expect((err as Error).message).toContain(`${subject.repo} (ref no-such-branch) failed`);
      const missing = await subject.source.resolveRef({ repo: subject.missingRepo }).catch((e: unknown) => e);
      expect(isDriftlessError(missing, 'GitRefused') && missing.data.remote).toBe(subject.missingRepo);
    });

    it('names the commit that last changed a file, through later commits that did not, past a shallow clone', async () => {
      const subject = await make();
      const added = await subject.commit({ 'flags/a.yaml': 'a: 1\n', 'flags/c.yaml': 'c\n', 'other.yaml': '1\n' }, 'add a, c');
      await subject.commit({ 'other.yaml': '2\n' }, 'other');
      const changed = await subject.commit({ 'flags/a.yaml': 'a: 2\n', 'flags/b.yaml': 'b\n' }, 'change a, add b');
      await subject.commit({ 'other.yaml': '3\n' }, 'other again');
      const reverted = await subject.commit({ 'flags/b.yaml': 'b\n', 'other.yaml': '4\n' }, 'b unchanged');
      const { reader } = await subject.source.sync({ repo: subject.repo });
      expect(await reader.lastChange('flags/a.yaml')).toBe(changed);
      expect(await reader.lastChange('flags/b.yaml'), 'rewriting the same content is no change').toBe(changed);
      expect(await reader.lastChange('other.yaml')).toBe(reverted);
      expect(await reader.lastChange('flags/none.yaml')).toBeUndefined();
      expect(await reader.lastChange('flags/c.yaml'), 'never changed since it was added').toBe(added);
    });

    it('stops the last-change walk at a commit whose answer is known, and walks past it no further', async () => {
      const subject = await make();
      const added = await subject.commit({ 'flags/a.yaml': 'a\n', 'flags/b.yaml': 'b\n', 'other.yaml': '1\n' }, 'add');
      const known = await subject.commit({ 'other.yaml': '2\n' }, 'other');
      const changed = await subject.commit({ 'flags/b.yaml': 'b: 2\n' }, 'change b');
      await subject.commit({ 'other.yaml': '3\n' }, 'other again');
      const { reader } = await subject.source.sync({ repo: subject.repo });
      // A made-up answer at `known` shows the walk took it instead of walking on to `added`.
      const recorded = 'f'.repeat(40);
      expect(await reader.lastChange('flags/a.yaml', { at: known, change: recorded })).toBe(recorded);
      expect(await reader.lastChange('flags/b.yaml', { at: known, change: recorded }), 'changed after the known commit').toBe(changed);
      expect(await reader.lastChange('flags/a.yaml', { at: reader.commit, change: recorded }), 'known at the commit itself').toBe(recorded);
      expect(await reader.lastChange('flags/a.yaml')).toBe(added);
    });

    it('lists every branch with its newest commit and names the default, from one request', async () => {
      const subject = await make();
      const main = await subject.commit({ 'a.yaml': 'main\n' }, 'main');
      await subject.pointBranch('feature/login', main);
      const login = await subject.commit({ 'b.yaml': 'login\n' }, 'login', 'feature/login');
      const odd = await subject.commit({ 'c.yaml': 'odd\n' }, 'odd', 'Feature/ABC/x');
      await subject.tag?.('v1', main);
      const before = await subject.requests?.();
      const listing = await subject.source.listBranches({ repo: subject.repo });
      const after = await subject.requests?.();
      if (before !== undefined && after !== undefined) expect(after - before, 'one ref listing, nothing fetched').toBe(1);
      expect(listing.defaultBranch).toBe('main');
      expect(new Map(listing.branches), 'tags are not branches; names are kept as they are').toEqual(
        new Map([
          ['main', main],
          ['feature/login', login],
          ['Feature/ABC/x', odd],
        ]),
      );
      expect((await subject.source.sync({ repo: subject.repo, ref: 'Feature/ABC/x' })).reader.commit, 'a sync of a listed branch opens the listed commit').toBe(odd);
    });

    it('lists a moved branch at its new commit and a deleted branch no more', async () => {
      const subject = await make();
      await subject.commit({ 'a.yaml': 'main\n' }, 'main');
      await subject.commit({ 'b.yaml': 'x\n' }, 'x', 'feature/x');
      await subject.commit({ 'b.yaml': 'y\n' }, 'y', 'feature/y');
      expect([...(await subject.source.listBranches({ repo: subject.repo })).branches.keys()].sort()).toEqual(['feature/x', 'feature/y', 'main']);
      const moved = await subject.commit({ 'b.yaml': 'x 2\n' }, 'x 2', 'feature/x');
      await subject.deleteBranch('feature/y');
      const listing = await subject.source.listBranches({ repo: subject.repo });
      expect([...listing.branches.keys()].sort()).toEqual(['feature/x', 'main']);
      expect(listing.branches.get('feature/x')).toBe(moved);
    });

    it('refuses to list the branches of a repository that does not exist, naming it', async () => {
      const subject = await make();
      const err = await subject.source.listBranches({ repo: subject.missingRepo }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'GitRefused', errorClass: 'stalled', data: { remote: subject.missingRepo } });
      expect((err as Error).message).toContain(subject.missingRepo);
    });

    it('opens a branch and then the default branch again from the same repository, each at its newest commit', async () => {
      const subject = await make();
      const main = await subject.commit({ 'a.yaml': 'main\n' }, 'main');
      expect((await subject.source.sync({ repo: subject.repo })).reader.commit).toBe(main);
      await subject.pointBranch('feature/x', main);
      const feature = await subject.commit({ 'b.yaml': 'feature\n' }, 'feature', 'feature/x');
      const branch = await subject.source.sync({ repo: subject.repo, ref: 'feature/x' });
      expect(branch).toMatchObject({ ref: 'feature/x' });
      expect(branch.reader.commit).toBe(feature);
      expect(text(await branch.reader.readFile('a.yaml', 100)), "the branch has its base's files").toBe('main\n');
      const main2 = await subject.commit({ 'a.yaml': 'main 2\n' }, 'main 2');
      const again = await subject.source.sync({ repo: subject.repo });
      expect(again).toMatchObject({ ref: 'main' });
      expect(again.reader.commit, 'the default branch, not the branch synced last').toBe(main2);
      expect(await again.reader.stat('b.yaml')).toBeUndefined();
    });

    it.each([
      ['a merge commit', false],
      ['a fast-forward', true],
    ])('answers that the default branch descends from a branch merged into it by %s', async (_, fastForward) => {
      const subject = await make();
      const base = await subject.commit({ 'a.yaml': '1\n' }, 'first');
      for (let i = 2; i <= 4; i++) await subject.commit({ 'a.yaml': `${i}\n` }, `commit ${i}`);
      const head = (await subject.source.sync({ repo: subject.repo })).reader.commit;
      await subject.pointBranch('feature/x', fastForward ? head : base);
      const branchCommit = await subject.commit({ 'b.yaml': 'feature\n' }, 'feature', 'feature/x');
      await subject.commit({ 'b.yaml': 'feature 2\n' }, 'feature 2', 'feature/x');
      const ask = async (): Promise<boolean> => {
        const { reader } = await subject.source.sync({ repo: subject.repo });
        return await subject.source.isDescendant({ repo: subject.repo, ref: 'main', commit: reader.commit, ancestor: branchCommit });
      };
      expect(await ask(), 'not merged yet').toBe(false);
      const merged = await subject.merge('feature/x', 'main', { fastForward });
      const { reader } = await subject.source.sync({ repo: subject.repo });
      expect(reader.commit).toBe(merged);
      expect(text(await reader.readFile('b.yaml', 100))).toBe('feature 2\n');
      expect(text(await reader.readFile('a.yaml', 100))).toBe('4\n');
      expect(await ask(), 'merged').toBe(true);
    });

    it.each([
      ['a merge commit', false],
      ['a fast-forward', true],
    ])('answers a recent merge by %s with byDate (a merged check over a long history) like the exact check', async (_, fastForward) => {
      const subject = await make();
      const base = await subject.commit({ 'a.yaml': '1\n' }, 'first');
      const second = await subject.commit({ 'a.yaml': '2\n' }, 'second');
      await subject.pointBranch('feature/x', fastForward ? second : base);
      const branchCommit = await subject.commit({ 'b.yaml': 'feature\n' }, 'feature', 'feature/x');
      const ask = async (byDate: boolean): Promise<boolean> => {
        const { reader } = await subject.source.sync({ repo: subject.repo });
        // As the preview cycle does: the base, then the branch it built (so its commit is at hand).
        await subject.source.sync({ repo: subject.repo, ref: 'feature/x' });
        return await subject.source.isDescendant({ repo: subject.repo, ref: 'main', commit: reader.commit, ancestor: branchCommit, byDate });
      };
      expect([await ask(true), await ask(false)], 'not merged yet').toEqual([false, false]);
      await subject.merge('feature/x', 'main', { fastForward });
      await subject.commit({ 'a.yaml': '3\n' }, 'after the merge');
      expect([await ask(true), await ask(false)], 'merged two commits ago').toEqual([true, true]);
    });

    it('drops a deleted file, and a directory left empty', async () => {
      const { subject } = await synced({ 'keep.yaml': 'k\n', 'gone/only.yaml': 'g\n' });
      await subject.commit({ 'gone/only.yaml': null }, 'delete');
      const { reader } = await subject.source.sync({ repo: subject.repo });
      expect(await reader.stat('gone/only.yaml')).toBeUndefined();
      expect(await reader.stat('gone')).toBeUndefined();
      expect((await reader.list('')).map((e) => e.path)).toEqual(['keep.yaml']);
    });
  });
}
