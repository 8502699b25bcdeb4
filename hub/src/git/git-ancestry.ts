import * as fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { AncestryQuery } from '@driftless/core';
import { deepener, localGitdir, remoteContext, type GitSourceOptions } from './git-source.js';

/**
 * Git ancestry for RepositorySource.isDescendant. A local repository is
 * answered from its objects. A remote one is answered from its shallow clone
 * in the cache, deepened (relative to what is there, so the usual case of a
 * recent ancestor costs one small fetch) until `ancestor` is found or the
 * clone has the whole history of the ref.
 */
export async function gitIsDescendant(opts: Omit<GitSourceOptions, 'repo' | 'ref'>, query: AncestryQuery): Promise<boolean> {
  if (query.commit === query.ancestor) return false;
  const cache = {};
  if (!/^https?:\/\//i.test(query.repo)) {
    const { gitdir } = await localGitdir(query.repo, query.ref);
    return await descends(gitdir, query, cache);
  }
  const remote = remoteContext({ ...opts, ...query }, cache);
  const gitdir = join(remote.dir, '.git');
  const ref = query.ref ?? (await git.currentBranch({ fs, dir: remote.dir })) ?? undefined;
  const deepen = deepener(remote, ref);
  for (;;) {
    if (await descends(gitdir, query, cache)) return true;
    if (!(await deepen())) return false;
  }
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
