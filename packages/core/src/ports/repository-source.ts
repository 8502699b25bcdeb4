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
 * Where the hub reads the fleet repository from: git over isomorphic-git in
 * processes, an in-memory repository in tests and the bench's virtual mode.
 * `sync` brings the repository up to date (at most one fetch per call) and
 * opens the newest commit of the ref. A repository or ref that does not exist
 * is a stalled `GitRefused` naming the remote and the ref, never a credential;
 * a remote that keeps failing transiently is `GitUnavailable`.
 */
export interface RepositorySource {
  sync(request: RepositoryRequest): Promise<RepositorySnapshot>;
}
