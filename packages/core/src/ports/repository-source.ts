import type { RepoReader } from './repo-reader.js';

/** Which repository to bring up to date, and which of its refs to open. */
export interface RepositoryRequest {
  /** Where the repository is: a URL or a local path for git, a name for an in-memory repository. */
  readonly repo: string;
  /** Branch or tag; default: the repository's default branch (a local repository's HEAD). */
  readonly ref?: string;
}

/** One commit of the fleet repository, ready to read. */
export interface RepositorySnapshot {
  /** The commit; `reader.commit` is the revision that a compile of it publishes. */
  readonly reader: RepoReader;
  /** The repository without credentials: for messages and records. */
  readonly remote: string;
  /** The ref that was opened (the default branch's name when none was asked for). */
  readonly ref: string;
}

/**
 * The branches of a repository from one listing of its refs (git's ref
 * advertisement: nothing is fetched): what the hub's preview cycle reads once
 * per poll to find new, changed and deleted branches.
 */
export interface BranchListing {
  /** The default branch's name (the remote's HEAD; a local repository's current branch). */
  readonly defaultBranch: string;
  /** Every branch's newest commit id (40 hex digits), by short name (`feature/login`, not `refs/heads/...`), the default branch included. */
  readonly branches: ReadonlyMap<string, string>;
}

/** Is `commit` a descendant of `ancestor`, in the repository (and ref) `repo` names? */
export interface AncestryQuery extends RepositoryRequest {
  /** A commit a `sync` of this request opened. */
  readonly commit: string;
  /** Any commit id, such as the revision a previous publish recorded. */
  readonly ancestor: string;
  /**
   * A merged check over a long history (is a branch's commit in the base?),
   * bounded by dates: base history whose committer time is more than
   * ANCESTRY_DATE_SLOP_MS older than `ancestor`'s is neither walked nor
   * fetched, so `ancestor` found only beyond that bound answers false (so
   * does one committed by a clock running ahead by more than the slop). When
   * the source does not hold `ancestor` (its date is unknown) the check is
   * exact. A source may ignore the hint and answer exactly. Leave it unset
   * where the answer must be exact (the roll-forward guard).
   */
  readonly byDate?: boolean;
}

/**
 * How much older than `ancestor` a commit of the base may be and still be
 * walked by an `AncestryQuery` with `byDate`, ms: one week, slop for
 * committers' clocks and for a merge of an older commit.
 */
export const ANCESTRY_DATE_SLOP_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Where the hub reads the fleet repository from: git over isomorphic-git in
 * processes, an in-memory repository in tests and the bench's virtual mode.
 * `sync` brings the repository up to date (at most one fetch per call) and
 * opens the newest commit of the ref. A repository or ref that does not exist
 * is a stalled `GitRefused` naming the remote and the ref, never a credential;
 * a remote that keeps failing transiently is `GitUnavailable`.
 */
export interface RepositorySource {
  sync(request: RepositoryRequest): Promise<RepositorySnapshot>;
  /**
   * Whether `ancestor` is reachable from `commit` through parent links (git
   * ancestry), `commit` itself excluded: false for the same commit, for an
   * older or unrelated commit, and for an id the repository does not know.
   * May fetch more history of `ref` (a shallow clone is deepened until the
   * answer is certain). Failures are those of `sync`.
   */
  isDescendant(query: AncestryQuery): Promise<boolean>;
  /**
   * The commit id (40 hex digits) the ref names now, tags peeled, without
   * fetching: one listing of the remote's refs (git's ref advertisement), so
   * a loop can ask every few seconds and `sync` only when the answer
   * changed. Equals the `reader.commit` a `sync` of the same request would
   * open. A missing repository or ref is a stalled `GitRefused` naming the
   * remote and the ref; a remote that keeps failing transiently is `GitUnavailable`.
   */
  resolveRef(request: RepositoryRequest): Promise<string>;
  /**
   * Every branch and its commit, and which is the default, from one listing
   * of the remote's refs (no fetch, nothing written to the cache); a local
   * repository from its refs. Tags are not branches. A `sync` with a listed
   * branch as `ref` opens the listed commit (or a newer one, if the branch
   * moved meanwhile). A missing repository is a stalled `GitRefused` naming
   * the remote; a remote that keeps failing transiently is `GitUnavailable`.
   */
  listBranches(request: Pick<RepositoryRequest, 'repo'>): Promise<BranchListing>;
}
