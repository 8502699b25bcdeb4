import * as fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { ANCESTRY_DATE_SLOP_MS, type AncestryQuery } from '@driftless/core';
import { committerTime, walkSince, type WalkOutcome } from './git-bounded-walk.js';
import { deepener, localGitdir, remoteContext, type GitSourceOptions } from './git-source.js';

/**
 * Git ancestry for RepositorySource.isDescendant. A local repository is
 * answered from its objects. A remote one is answered from its shallow clone
 * in the cache, deepened (relative to what is there, so the usual case of a
 * recent ancestor costs one small fetch) until `ancestor` is found or the
 * clone has the whole history of the ref. With `byDate` (and `ancestor` in
 * the clone, so its date is known) the walk and the deepening stop at base
 * commits older than `ancestor` by more than ANCESTRY_DATE_SLOP_MS: at most
 * one fetch, of the ref's history newer than that (git's deepen-since).
 */
export async function gitIsDescendant(opts: Omit<GitSourceOptions, 'repo' | 'ref'>, query: AncestryQuery): Promise<boolean> {
  if (query.commit === query.ancestor) return false;
  const cache = {};
  if (!/^https?:\/\//i.test(query.repo)) {
    const { gitdir } = await localGitdir(query.repo, query.ref);
    const bounded = await boundedWalk(gitdir, query, cache);
    return bounded ? (await bounded.walk()) === 'found' : await descends(gitdir, query, cache);
  }
  const remote = remoteContext({ ...opts, ...query }, cache);
  const gitdir = join(remote.dir, '.git');
  const ref = query.ref ?? (await git.currentBranch({ fs, dir: remote.dir })) ?? undefined;
  const deepen = deepener(remote, ref);
  const bounded = await boundedWalk(gitdir, query, cache);
  if (bounded) {
    const first = await bounded.walk();
    if (first !== 'incomplete') return first === 'found';
    // One fetch of the ref's history newer than the bound (git's deepen-since): a parent still
    // missing after it is older than the bound, so the second walk's 'incomplete' means 'absent'.
    await remote.fetch(ref, async () => {
      await git.fetch({ ...remote.common, ...(ref ? { ref } : {}), depth: undefined, since: new Date(bounded.notBefore * 1000), tags: false });
    });
    return (await bounded.walk()) === 'found';
  }
  for (;;) {
    if (await descends(gitdir, query, cache)) return true;
    if (!(await deepen())) return false;
  }
}

/**
 * The date-bounded walk of a `byDate` query and its bound (seconds); undefined
 * for an exact query, or when `gitdir` lacks `ancestor` (its date is unknown).
 */
async function boundedWalk(gitdir: string, query: AncestryQuery, cache: object): Promise<{ walk: () => Promise<WalkOutcome['answer']>; notBefore: number } | undefined> {
  if (!query.byDate) return undefined;
  const time = await committerTime(gitdir, query.ancestor, cache);
  if (time === undefined) return undefined;
  const notBefore = time - ANCESTRY_DATE_SLOP_MS / 1000;
  return { notBefore, walk: async () => (await walkSince(gitdir, query.commit, query.ancestor, notBefore, cache)).answer };
}

/** isomorphic-git's answer from the objects at hand (it stops at shallow commits); an unknown commit descends from nothing. */
async function descends(gitdir: string, query: AncestryQuery, cache: object): Promise<boolean> {
  try {
    return await git.isDescendent({ fs, gitdir, oid: query.commit, ancestor: query.ancestor, depth: -1, cache });
  } catch (err) {
    if ((err as { code?: string }).code === 'NotFoundError') return false;
    throw err;
  }
}
