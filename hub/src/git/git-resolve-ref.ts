import * as fs from 'node:fs';
import git, { type ServerRef } from 'isomorphic-git';
import { DriftlessError, type BranchListing, type RepositoryRequest } from '@driftless/core';
import { localGitdir, remoteContext, resolveCommit, type GitSourceOptions } from './git-source.js';

/**
 * RepositorySource.resolveRef over git: a remote answers from one listing of
 * its refs (the smart-HTTP ref advertisement; nothing is fetched or written
 * to the cache), retried like a fetch; a local repository from its refs.
 * Tags are peeled to their commit, as `sync` opens them.
 */
export async function gitResolveRef(opts: Omit<GitSourceOptions, 'repo' | 'ref'>, request: RepositoryRequest): Promise<string> {
  if (!/^https?:\/\//i.test(request.repo)) {
    const { path, gitdir } = await localGitdir(request.repo, request.ref);
    const ref = request.ref ?? 'HEAD';
    return await resolveCommit(gitdir, ref, ref, path);
  }
  const remote = remoteContext({ ...opts, ...request }, {});
  const { http, url, onAuth } = remote.common;
  let refs: ServerRef[] = [];
  await remote.fetch(request.ref, async () => {
    refs = await git.listServerRefs({ http, url, ...(onAuth ? { onAuth } : {}), symrefs: true, peelTags: true });
  });
  const oid = pick(refs, request.ref);
  if (oid === undefined) {
    const ref = request.ref ?? 'HEAD';
    throw new DriftlessError('GitRefused', `git ls-remote ${remote.remote} (ref ${ref}) failed: no such branch or tag`, { remote: remote.remote, ref });
  }
  return oid;
}

/** The commit `ref` names in the advertisement, in the order a fetch resolves it: HEAD, branch, tag (peeled). */
function pick(refs: readonly ServerRef[], ref: string | undefined): string | undefined {
  const byName = new Map(refs.map((r) => [r.ref, r]));
  const wanted = ref === undefined || ref === 'HEAD' ? ['HEAD'] : [ref, `refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of wanted) {
    const found = byName.get(name);
    if (found) return found.peeled ?? found.oid;
  }
  return undefined;
}

/**
 * RepositorySource.listBranches over git: a remote's branches from one
 * listing of its refs (`refs/heads/` only, HEAD's symref naming the default
 * branch), retried like a fetch; a local repository's from its refs.
 */
export async function gitListBranches(opts: Omit<GitSourceOptions, 'repo' | 'ref'>, request: Pick<RepositoryRequest, 'repo'>): Promise<BranchListing> {
  if (!/^https?:\/\//i.test(request.repo)) {
    const { path, gitdir } = await localGitdir(request.repo, undefined);
    const names = await git.listBranches({ fs, gitdir });
    const branches = new Map<string, string>();
    for (const name of names) branches.set(name, await resolveCommit(gitdir, `refs/heads/${name}`, `refs/heads/${name}`, path));
    const current = await git.currentBranch({ fs, gitdir }).catch(() => undefined);
    return { defaultBranch: current ?? names[0] ?? 'main', branches };
  }
  const remote = remoteContext({ ...opts, ...request }, {});
  const { http, url, onAuth } = remote.common;
  let refs: ServerRef[] = [];
  // No prefix: HEAD's symref (the default branch) comes in the same listing as the heads.
  await remote.fetch(undefined, async () => {
    refs = await git.listServerRefs({ http, url, ...(onAuth ? { onAuth } : {}), symrefs: true });
  });
  const branches = new Map<string, string>();
  for (const r of refs) if (r.ref.startsWith('refs/heads/')) branches.set(r.ref.slice('refs/heads/'.length), r.oid);
  const head = refs.find((r) => r.ref === 'HEAD')?.target?.replace(/^refs\/heads\//, '');
  return { defaultBranch: head ?? (branches.has('main') ? 'main' : ([...branches.keys()].sort()[0] ?? 'main')), branches };
}
