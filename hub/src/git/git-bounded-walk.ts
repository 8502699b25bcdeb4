import * as fs from 'node:fs';
import git from 'isomorphic-git';

/** What a walk from a commit towards an ancestor found, and how many commits it read. */
export interface WalkOutcome {
  /**
   * `found`: the ancestor is reachable; `absent`: it is not within the bound;
   * `incomplete`: neither, and the walk met a commit within the bound whose
   * parent the clone does not hold (its shallow boundary), or the start itself is
   * not in the clone yet: fetch once and walk again.
   */
  readonly answer: 'found' | 'absent' | 'incomplete';
  /** Commits read (the walk's cost). */
  readonly read: number;
}

/** The committer time of `oid` in `gitdir`, in seconds since the epoch; undefined when the repository does not hold that commit. */
export async function committerTime(gitdir: string, oid: string, cache: object): Promise<number | undefined> {
  const commit = await readCommit(gitdir, oid, cache);
  return commit?.committer.timestamp;
}

/**
 * Breadth-first walk over parent links from `commit` (excluded) looking for
 * `ancestor`, that does not expand a commit whose committer time (seconds) is
 * before `notBefore`: isomorphic-git's isDescendent has no such bound, so a
 * merged check of a recent branch would otherwise walk the base's whole history.
 */
export async function walkSince(gitdir: string, commit: string, ancestor: string, notBefore: number, cache: object): Promise<WalkOutcome> {
  const seen = new Set([commit]);
  const queue = [commit];
  let read = 0;
  let incomplete = false;
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const current = await readCommit(gitdir, next, cache);
    if (!current) {
      // A parent beyond the shallow boundary, or the start itself not fetched yet (the ref
      // moved since the last sync): the caller's one fetch brings it, or it descends from nothing.
      incomplete = true;
      continue;
    }
    read++;
    if (current.committer.timestamp < notBefore) continue;
    for (const parent of current.parent) {
      if (parent === ancestor) return { answer: 'found', read };
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
    }
  }
  return { answer: incomplete ? 'incomplete' : 'absent', read };
}

type Commit = Awaited<ReturnType<typeof git.readCommit>>['commit'];

async function readCommit(gitdir: string, oid: string, cache: object): Promise<Commit | undefined> {
  try {
    return (await git.readCommit({ fs, gitdir, oid, cache })).commit;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // NotFoundError: no such object; ObjectTypeError: not a commit (answered like an unknown id).
    if (code === 'NotFoundError' || code === 'ObjectTypeError') return undefined;
    throw err;
  }
}
