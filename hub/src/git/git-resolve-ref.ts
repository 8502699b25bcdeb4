import * as fs from 'node:fs';
import git, { type ServerRef } from 'isomorphic-git';
import { DriftlessError, type BranchListing, type RepositoryRequest } from '@driftless/core';
import { localGitdir, remoteContext, resolveCommit, type GitSourceOptions, type RemoteContext } from './git-source.js';

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
  const refs = await listRemoteRefs(remote, request.ref);
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
 * listing of its refs (one request; `refs/heads/` only, HEAD's symref naming
 * the default branch), retried like a fetch; a local repository's from its refs.
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
  const refs = await listRemoteRefs(remoteContext({ ...opts, ...request }, {}), undefined);
  const branches = new Map<string, string>();
  for (const r of refs) if (r.ref.startsWith('refs/heads/')) branches.set(r.ref.slice('refs/heads/'.length), r.oid);
  const head = refs.find((r) => r.ref === 'HEAD')?.target?.replace(/^refs\/heads\//, '');
  return { defaultBranch: head ?? (branches.has('main') ? 'main' : ([...branches.keys()].sort()[0] ?? 'main')), branches };
}

/**
 * Every ref the remote advertises, HEAD's symref and peeled tags included,
 * retried like a fetch. Protocol v1 on purpose: its advertisement is ONE
 * request (`GET info/refs`), where v2 needs a second (`ls-refs`); a hub that
 * lists every poll, against a git host's rate limit, pays per request.
 */
async function listRemoteRefs(remote: RemoteContext, ref: string | undefined): Promise<ServerRef[]> {
  const { http, url, onAuth } = remote.common;
  let refs: ServerRef[] = [];
  await remote.fetch(ref, async () => {
    refs = await git.listServerRefs({ http, url, ...(onAuth ? { onAuth } : {}), protocolVersion: 1, symrefs: true, peelTags: true });
  });
  return refs;
}
