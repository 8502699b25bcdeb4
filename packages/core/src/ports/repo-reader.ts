/** What is at a path of a commit's tree. */
export interface RepoEntry {
  /** Repository path, `/`-separated, no leading `/`. */
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'submodule';
  /** Git object id (blob or tree); equal ids mean equal content. */
  readonly oid: string;
}

/**
 * Read access to one commit of the fleet repository (what a
 * RepositorySource opens). Paths are repository-relative. Symlinks inside the repository are
 * followed; one that points outside it is an `InvalidDocument` error naming it.
 */
export interface RepoReader {
  /** The commit being read (full hex id). */
  readonly commit: string;
  /** The entry at `path` after following symlinks, or undefined when nothing is there. */
  stat(path: string): Promise<RepoEntry | undefined>;
  /** The entries directly inside directory `dir` (`` for the root), sorted by name; [] when it does not exist. */
  list(dir: string): Promise<RepoEntry[]>;
  /** The content of file `path`; `TooLarge` when over `maxBytes`, `InvalidDocument` when it is not a file. */
  readFile(path: string, maxBytes: number): Promise<Uint8Array>;
  /**
   * The commit (full hex id) that last changed file `path`, walking first
   * parents from `commit`: the newest whose content there differs from its
   * parent's, or that added it. Undefined when `commit` has no file there.
   * Stable while the file is, unlike `commit` (a flag's source commit).
   * With `known` (what an earlier call found at an older commit), a walk
   * that reaches `known.at` with the file unchanged answers `known.change`:
   * a compile one commit later reads O(1) commits per file. When the
   * history at hand ends before the change (a shallow clone that cannot be
   * deepened), the answer is `blob:<the file's object id>` (LAST_CHANGE_BLOB),
   * which does not depend on how deep the clone is.
   */
  lastChange(path: string, known?: KnownLastChange): Promise<string | undefined>;
}

/** What an earlier `lastChange` found: at commit `at`, the file last changed in `change`. */
export interface KnownLastChange {
  readonly at: string;
  readonly change: string;
}

/** The prefix of a `lastChange` answer that names the file's blob, not a commit: its history was not at hand. */
export const LAST_CHANGE_BLOB = 'blob:';
