import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { LAST_CHANGE_BLOB, type KnownLastChange } from '@driftless/core';

/**
 * Brings more history into a shallow clone; resolves false when nothing more
 * came (the clone already has all the server would send).
 */
export type Deepen = () => Promise<boolean>;

/**
 * The commit that last changed `path` as seen from `commit`: walking first
 * parents, the newest commit whose blob at `path` differs from its parent's
 * (or that added it). Undefined when `commit` has no file there. At a
 * shallow clone's boundary, `deepen` fetches more history; without it (or
 * when the server has no more), the answer is `blob:<oid>` (the file's
 * object id): the oldest commit at hand would depend on the clone's depth,
 * so two hubs would publish different bundles for one commit. Reaching
 * `known.at` with the file unchanged answers `known.change` (see RepoReader).
 * First parents only: a change merged from a branch is the merge's.
 */
export async function gitLastChange(gitdir: string, commit: string, path: string, cache: object, deepen?: Deepen, known?: KnownLastChange): Promise<string | undefined> {
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  const at = async (oid: string): Promise<{ parents: readonly string[]; blob: string | undefined }> => {
    const { commit: c } = await git.readCommit({ fs, gitdir, oid, cache });
    let tree: string | undefined = c.tree;
    for (const name of segments) {
      if (tree === undefined) break;
      const entries: { path: string; oid: string; type: string }[] = (await git.readTree({ fs, gitdir, oid: tree, cache })).tree;
      tree = entries.find((e) => e.path === name)?.oid;
    }
    return { parents: c.parent, blob: tree };
  };
  let current = commit;
  let here = await at(commit);
  if (here.blob === undefined) return undefined;
  for (;;) {
    if (current === known?.at) return known.change;
    const parent = here.parents[0];
    if (parent === undefined) return current;
    let before: Awaited<ReturnType<typeof at>>;
    try {
      before = await at(parent);
    } catch (err) {
      if ((err as { code?: string }).code !== 'NotFoundError') throw err;
      // The parent is past a shallow clone's boundary.
      if (deepen && (await deepen())) continue;
      return `${LAST_CHANGE_BLOB}${here.blob}`;
    }
    if (before.blob !== here.blob) return current;
    current = parent;
    here = before;
  }
}
