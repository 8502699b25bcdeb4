import { createHash } from 'node:crypto';
import {
  DriftlessError,
  type AncestryQuery,
  type BranchListing,
  type KnownLastChange,
  type RepoEntry,
  type RepoReader,
  type RepositoryRequest,
  type RepositorySnapshot,
  type RepositorySource,
} from '@driftless/core';

/** Changes of one commit: a string or bytes writes that file (its directories appear), null deletes it. */
export type MemoryFileChanges = Readonly<Record<string, string | Uint8Array | null>>;

/** One commit of a {@link MemoryRepository}: its files and its parents (the first is the branch's previous head). */
export interface MemoryCommit {
  /** 40 hex digits, like a git commit id: a hash of the tree, the parent and the message; unique per commit. */
  readonly id: string;
  readonly parents: readonly string[];
  readonly message: string;
  /** Every file of the commit's tree, by repository path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** Options of {@link MemoryRepository}. */
export interface MemoryRepositoryOptions {
  /** What `sync` must be asked for (`repo`); another name is refused as no such repository. Default `memory://fleet`. */
  readonly url?: string;
  /** The branch `sync` opens when no ref is asked for. Default `main`. */
  readonly defaultBranch?: string;
}

/**
 * A fleet repository held in memory, for unit tests and the bench's virtual
 * mode: commits are file maps with parent links, branches name commits, and
 * `sync` opens a branch's newest commit the way the git source does, all in
 * microtasks (no I/O, so it runs inside virtual time). Files and directories
 * only: no symlinks, submodules or tags. Object ids are content hashes (a
 * file's is git's blob id), so equal content has equal ids.
 */
export class MemoryRepository implements RepositorySource {
  readonly url: string;
  readonly defaultBranch: string;
  /** How often `sync` was called: the fetches a git remote would have served. */
  syncs = 0;
  /** How often `resolveRef` was called: the ref listings a git remote would have served. */
  resolves = 0;
  /** Parents the lastChange walks have visited, all told: what an incremental walk keeps small. */
  lastChangeSteps = 0;
  private readonly commits = new Map<string, MemoryCommit>();
  private readonly branches = new Map<string, string>();
  /** Every commit's tree, built when it is committed (its root id is part of the commit id). */
  private readonly trees = new WeakMap<MemoryCommit, Tree>();

  constructor(opts: MemoryRepositoryOptions = {}) {
    this.url = opts.url ?? 'memory://fleet';
    this.defaultBranch = opts.defaultBranch ?? 'main';
  }

  /**
   * Commits `changes` on top of `branch` (created from an empty tree when it
   * does not exist yet) and returns the new commit's id. Other files are kept.
   */
  commit(changes: MemoryFileChanges, message = 'commit', branch = this.defaultBranch): string {
    const parent = this.branches.get(branch);
    const files = new Map(parent ? this.commits.get(parent)?.files : undefined);
    for (const [path, content] of Object.entries(changes)) {
      const clean = segments(path).join('/');
      if (content === null) files.delete(clean);
      else files.set(clean, typeof content === 'string' ? new TextEncoder().encode(content) : Uint8Array.from(content));
    }
    // Like git's, the id covers the tree: repositories with different files never share
    // a revision (their records would collide in a shared store). The count keeps it
    // unique per commit; nothing else varies, so every run that commits the same way agrees.
    const tree = buildTree(files);
    const root = tree.entries.get('')?.oid ?? '';
    const id = createHash('sha1').update(JSON.stringify([this.commits.size, parent ?? null, root, message])).digest('hex');
    const commit: MemoryCommit = { id, parents: parent ? [parent] : [], message, files };
    this.commits.set(id, commit);
    this.trees.set(commit, tree);
    this.branches.set(branch, id);
    return id;
  }

  /** The newest commit of `branch`, or undefined when there is no such branch. */
  head(branch = this.defaultBranch): string | undefined {
    return this.branches.get(branch);
  }

  /** The commit with this id, or undefined: walk `parents` to ask about ancestry. */
  commitOf(id: string): MemoryCommit | undefined {
    return this.commits.get(id);
  }

  /** Opens the newest commit of `ref` (a branch, `refs/heads/<branch>` or `HEAD`); `GitRefused` for another repository or ref. */
  sync(request: RepositoryRequest): Promise<RepositorySnapshot> {
    this.syncs += 1;
    return settle(() => {
      const { commit, ref } = this.lookup(request, 'fetch');
      return { reader: this.readerOf(commit), remote: this.url, ref };
    });
  }

  /** The newest commit id of `ref`, counted in `resolves`, not in `syncs` (a ref listing fetches nothing); refused as `sync` refuses. */
  resolveRef(request: RepositoryRequest): Promise<string> {
    this.resolves += 1;
    return settle(() => this.lookup(request, 'ls-remote').commit.id);
  }

  /** Every branch and its newest commit, counted in `resolves` (one ref listing); refused for another repository. */
  listBranches(request: Pick<RepositoryRequest, 'repo'>): Promise<BranchListing> {
    this.resolves += 1;
    return settle(() => {
      if (request.repo !== this.url) throw new DriftlessError('GitRefused', `git ls-remote ${request.repo} failed: no such repository`, { remote: request.repo });
      return { defaultBranch: this.defaultBranch, branches: new Map([...this.branches].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
    });
  }

  /**
   * Points `branch` at the existing commit `id` (created when missing): a new
   * branch off another's commit, or a fast-forward merge (`setBranch('main',
   * head('feature/x'))`). Throws for an unknown commit.
   */
  setBranch(branch: string, id: string): void {
    if (!this.commits.has(id)) throw new Error(`memory repository: no commit ${id}`);
    this.branches.set(branch, id);
  }

  /** Deletes `branch` (its commits stay, as in git until gc); false when there was none. */
  deleteBranch(branch: string): boolean {
    return this.branches.delete(branch);
  }

  private lookup(request: RepositoryRequest, operation: string): { commit: MemoryCommit; ref: string } {
    const ref = request.ref === undefined || request.ref === 'HEAD' ? this.defaultBranch : request.ref.replace(/^refs\/heads\//, '');
    const refText = request.ref === undefined ? '' : ` (ref ${request.ref})`;
    const data = { remote: request.repo, ...(request.ref === undefined ? {} : { ref: request.ref }) };
    if (request.repo !== this.url) throw new DriftlessError('GitRefused', `git ${operation} ${request.repo}${refText} failed: no such repository`, data);
    const id = this.branches.get(ref);
    const commit = id === undefined ? undefined : this.commits.get(id);
    if (!commit) throw new DriftlessError('GitRefused', `git ${operation} ${this.url}${refText} failed: no such branch or tag`, data);
    return { commit, ref };
  }

  /** Whether `ancestor` is reachable from `commit` by parent links (itself excluded); false for unknown ids. */
  isDescendant(query: AncestryQuery): Promise<boolean> {
    if (query.repo !== this.url) return Promise.reject(new DriftlessError('GitRefused', `git fetch ${query.repo} failed: no such repository`, { remote: query.repo }));
    const queue = [...(this.commits.get(query.commit)?.parents ?? [])];
    const seen = new Set<string>();
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (id === query.ancestor) return Promise.resolve(true);
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(...(this.commits.get(id)?.parents ?? []));
    }
    return Promise.resolve(false);
  }

  private readerOf(commit: MemoryCommit): RepoReader {
    const t = this.trees.get(commit) as Tree;
    const stat = (path: string): RepoEntry | undefined => t.entries.get(segments(path).join('/'));
    return {
      commit: commit.id,
      stat: (path) => Promise.resolve(stat(path)),
      list: (dir) => {
        const entry = stat(dir);
        return Promise.resolve(entry?.type === 'dir' ? [...(t.children.get(entry.path) ?? [])] : []);
      },
      readFile: (path, maxBytes) => {
        const entry = stat(path);
        const bytes = entry?.type === 'file' ? commit.files.get(entry.path) : undefined;
        if (!entry || !bytes) {
          const why = entry ? `is a ${entry.type}` : 'no such file';
          return Promise.reject(
            new DriftlessError('InvalidDocument', `${path}: ${entry ? `is a ${entry.type}, not a file` : 'no such file in the repository'}`, {
              subject: path,
              issues: [{ path, message: why }],
            }),
          );
        }
        if (bytes.byteLength > maxBytes) {
          return Promise.reject(
            new DriftlessError('TooLarge', `${path}: the file is larger than the limit of ${maxBytes} bytes`, { subject: path, limitBytes: maxBytes, what: 'object' }),
          );
        }
        return Promise.resolve(bytes.slice());
      },
      lastChange: (path, known) => settle(() => this.lastChange(commit, segments(path).join('/'), known)),
    };
  }

  /** Walking first parents from `commit`, the newest commit whose blob at `path` differs from its parent's; undefined when there is none. */
  private lastChange(commit: MemoryCommit, path: string, known: KnownLastChange | undefined): string | undefined {
    const blobAt = (c: MemoryCommit | undefined): string | undefined => {
      const entry = c ? this.trees.get(c)?.entries.get(path) : undefined;
      return entry?.type === 'file' ? entry.oid : undefined;
    };
    const blob = blobAt(commit);
    if (blob === undefined) return undefined;
    let current = commit;
    for (;;) {
      if (current.id === known?.at) return known.change;
      const parent = this.commitOfParent(current);
      this.lastChangeSteps++;
      if (!parent || blobAt(parent) !== blob) return current.id;
      current = parent;
    }
  }

  private commitOfParent(c: MemoryCommit): MemoryCommit | undefined {
    const id = c.parents[0];
    return id === undefined ? undefined : this.commits.get(id);
  }
}

/** A commit's tree, indexed: every entry by path (`` is the root) and each directory's entries sorted by path. */
interface Tree {
  readonly entries: ReadonlyMap<string, RepoEntry>;
  readonly children: ReadonlyMap<string, readonly RepoEntry[]>;
}

function buildTree(files: ReadonlyMap<string, Uint8Array>): Tree {
  const entries = new Map<string, RepoEntry>();
  const children = new Map<string, RepoEntry[]>([['', []]]);
  const childDirs = new Map<string, Set<string>>([['', new Set()]]);
  for (const [path, bytes] of files) {
    const entry: RepoEntry = { path, type: 'file', oid: blobId(bytes) };
    entries.set(path, entry);
    let child = path;
    for (let dir = parentOf(path); ; child = dir, dir = parentOf(dir)) {
      if (child === path) pushTo(children, dir, entry);
      else if (!add(childDirs, dir, child)) break;
      if (dir === '') break;
    }
  }
  // Deepest directories first, so that a directory's id is computed from its children's.
  const dirs = [...childDirs.keys()].sort((a, b) => depth(b) - depth(a));
  for (const dir of dirs) {
    const inside = [...(children.get(dir) ?? []), ...[...(childDirs.get(dir) ?? [])].map((d) => entries.get(d) as RepoEntry)];
    inside.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    children.set(dir, inside);
    const oid = createHash('sha1')
      .update(inside.map((e) => `${e.type} ${e.path} ${e.oid}`).join('\n'))
      .digest('hex');
    entries.set(dir, { path: dir, type: 'dir', oid });
  }
  return { entries, children };
}

function pushTo(map: Map<string, RepoEntry[]>, key: string, entry: RepoEntry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

/** Adds `child` to `dir`'s subdirectories; false when it was there already (so were its ancestors). */
function add(map: Map<string, Set<string>>, dir: string, child: string): boolean {
  let set = map.get(dir);
  if (!set) map.set(dir, (set = new Set()));
  if (set.has(child)) return false;
  set.add(child);
  if (!map.has(child)) map.set(child, new Set());
  return true;
}

/** git's blob id of `bytes`. */
function blobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

function depth(path: string): number {
  return path === '' ? 0 : path.split('/').length;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** `f()` as a promise: resolved with its value, or rejected with what it threw. */
function settle<T>(f: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(f()));
}
