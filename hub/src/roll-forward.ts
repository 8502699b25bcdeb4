import { DriftlessError, type RepositorySource } from '@driftless/core';

/** What the roll-forward guard is asked about one compile. */
export interface RollForwardCheck {
  readonly source: RepositorySource;
  /** The repository and the ref the commit was opened from (deepening fetches that ref). */
  readonly repo: string;
  readonly ref: string;
  /** The commit about to be published. */
  readonly revision: string;
  /** The revision of the last publish to this store (its marker), if any. */
  readonly lastPublished: string | undefined;
  /** `--allow-rollback`: publish it anyway. */
  readonly allowRollback: boolean;
}

/**
 * The roll-forward guard (DESIGN.md, Delivery): a release must descend from
 * the last published one in git, so that CI jobs finishing out of order never
 * undo a release. The same revision again is allowed (and idempotent); the
 * first publish to a store has nothing to compare with. Resolves with the
 * revision rolled back from when `allowRollback` let an older or unrelated
 * commit through, else undefined; without it such a commit is the stalled
 * `RollbackRefused`, naming both commits.
 */
export async function checkRollForward(check: RollForwardCheck): Promise<string | undefined> {
  const { revision, lastPublished } = check;
  if (lastPublished === undefined || lastPublished === revision) return undefined;
  if (await check.source.isDescendant({ repo: check.repo, ref: check.ref, commit: revision, ancestor: lastPublished })) return undefined;
  if (check.allowRollback) return lastPublished;
  const reason =
    `it does not descend from ${lastPublished}, the last revision published to this store (an older commit or an unrelated history ` +
    'would roll the fleet back); pass --allow-rollback if that is intended';
  throw new DriftlessError('RollbackRefused', `revision ${revision} publish failed: ${reason}`, { revision, lastPublished });
}
