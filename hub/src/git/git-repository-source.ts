import type { RepositorySource } from '@driftless/core';
import { gitIsDescendant } from './git-ancestry.js';
import { gitListBranches, gitResolveRef } from './git-resolve-ref.js';
import { syncGitSource, type GitSourceOptions } from './git-source.js';

/** How a git repository source reaches its remotes: GitSourceOptions without the repository and ref, which each sync names. */
export type GitRepositorySourceOptions = Omit<GitSourceOptions, 'repo' | 'ref'>;

/**
 * The RepositorySource of processes: git over isomorphic-git (see
 * syncGitSource), one fetch per sync into `cacheDir`, local repositories read
 * where they are; ancestry from the clone, deepened as needed (see gitIsDescendant);
 * a ref's commit from one listing of the remote's refs (see gitResolveRef).
 */
export function gitRepositorySource(opts: GitRepositorySourceOptions): RepositorySource {
  return {
    sync: (request) => syncGitSource({ ...opts, ...request }),
    isDescendant: (query) => gitIsDescendant(opts, query),
    resolveRef: (request) => gitResolveRef(opts, request),
    listBranches: (request) => gitListBranches(opts, request),
  };
}
