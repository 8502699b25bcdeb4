import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import git, { type AuthCallback, type HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { systemClock } from '@driftless/clock';
import { backoffMs, DriftlessError, networkErrorCode, type Clock, type RepoReader, type Rng } from '@driftless/core';
import { openTreeReader } from './git-tree-reader.js';
import { GitIdleTimeoutError, withIdleTimeout } from './idle-timeout.js';

/** Where the fleet repository is and how to reach it. */
export interface GitSourceOptions {
  /** `http(s)://…` (smart HTTP) or a local directory holding a working tree or a bare repository. */
  readonly repo: string;
  /** Branch or tag; default: the remote's default branch (a local repository's HEAD). */
  readonly ref?: string;
  /** Where remote repositories are cloned and then fetched incrementally. */
  readonly cacheDir: string;
  /** HTTP basic credentials, e.g. a token from DRIFTLESS_GIT_TOKEN. Never logged or shown. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Attempts per fetch, with exponential backoff and full jitter between them. Default 4. */
  readonly attempts?: number;
  /** First backoff, ms. Default 500. */
  readonly backoffMs?: number;
  /** Whose time the backoff waits on (the hub's clock, a VirtualClock in tests). Default the wall clock. */
  readonly clock?: Pick<Clock, 'sleep'>;
  /** The backoff's jitter. Default `Math.random`. */
  readonly rng?: Rng;
  /** The HTTP client under the idle timeout; injected for tests. Default isomorphic-git's Node client. */
  readonly http?: HttpClient;
  /**
   * A request whose connection sends and receives nothing for this long fails
   * (transient: retried like a 5xx), ms. Default 60 000. Without it a stalled
   * server would hold a compile for ever.
   */
  readonly timeoutMs?: number;
}

/** One fetched commit, ready to read. */
export interface GitSnapshot {
  readonly reader: RepoReader;
  /** The remote without credentials, or the local path: for messages and records. */
  readonly remote: string;
  readonly ref: string;
}

/**
 * Brings the fleet repository up to date and opens its newest commit of `ref`:
 * a remote is shallow-cloned (single branch) into the cache the first time and
 * fetched incrementally after, exactly one fetch per call; a local directory is
 * read where it is. Failing fetches are retried with backoff and full jitter on
 * 5xx, 429 and network errors; other failures are stalled. Errors name the
 * remote (never its credentials) and the ref.
 */
export async function syncGitSource(opts: GitSourceOptions): Promise<GitSnapshot> {
  const cache = {};
  if (!/^https?:\/\//i.test(opts.repo)) return await openLocal(opts, cache);
  const remote = remoteContext(opts, cache);
  const { dir, common } = remote;
  const cloned = await exists(join(dir, '.git', 'HEAD'));
  let ref: string | undefined = opts.ref ?? (cloned ? ((await git.currentBranch({ fs, dir })) ?? undefined) : undefined);
  await remote.fetch(ref, async () => {
    if (cloned) {
      await git.fetch({ ...common, ...(ref ? { ref } : {}), tags: false });
    } else {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await git.clone({ ...common, ...(ref ? { ref } : {}), noCheckout: true, noTags: true });
    }
  });
  ref ??= (await git.currentBranch({ fs, dir })) ?? 'HEAD';
  const commit = await resolveCommit(join(dir, '.git'), ref, `refs/remotes/origin/${ref}`, remote.remote);
  return { reader: await openTreeReader(join(dir, '.git'), commit, cache, deepener(remote, ref)), remote: remote.remote, ref };
}

/** A remote repository's clone in the cache, and how to fetch into it. */
export interface RemoteContext {
  /** The remote without credentials. */
  readonly remote: string;
  /** The working directory of the clone (its gitdir is `<dir>/.git`). */
  readonly dir: string;
  /** isomorphic-git options every fetch of this remote shares (shallow, single branch, idle timeout, auth). */
  readonly common: { fs: typeof fs; http: HttpClient; dir: string; url: string; singleBranch: true; depth: number; cache: object; onAuth?: AuthCallback };
  /** Runs `attempt` (one fetch) with retries, backoff and the idle timeout; errors name the remote and `ref`. */
  fetch(ref: string | undefined, attempt: () => Promise<void>): Promise<void>;
}

/** The clone of the remote `opts.repo` in the cache (one directory per remote) and its fetch options. */
export function remoteContext(opts: GitSourceOptions, cache: object): RemoteContext {
  const remote = redact(opts.repo);
  const dir = join(opts.cacheDir, 'repos', createHash('sha256').update(remote).digest('hex').slice(0, 16));
  // The idle timeout of the attempt under way, if it fired: set by the HTTP client's callback.
  let stalled: GitIdleTimeoutError | undefined;
  const http = withIdleTimeout(opts.http ?? nodeHttp, opts.timeoutMs ?? 60_000, (err) => (stalled ??= err));
  const stall = (): GitIdleTimeoutError | undefined => stalled;
  const onAuth: AuthCallback | undefined = opts.auth ? () => ({ ...opts.auth }) : undefined;
  const common = { fs, http, dir, url: opts.repo, singleBranch: true as const, depth: 1, cache, ...(onAuth ? { onAuth } : {}) };
  const fetch = (ref: string | undefined, attempt: () => Promise<void>): Promise<void> =>
    withRetries(opts, remote, ref, async () => {
      stalled = undefined;
      // A stall while isomorphic-git reads a body surfaces as an empty or short answer (or none):
      // the timer, not what it throws, says the server went silent, so the attempt is retried.
      try {
        await attempt();
      } catch (err) {
        throw stall() ?? err;
      }
      const silent = stall();
      if (silent) throw silent;
    });
  return { remote, dir, common, fetch };
}

/** The gitdir of a local repository (`file://` or a path), or a stalled `GitRefused` when it is not one. */
export async function localGitdir(repo: string, ref: string | undefined): Promise<{ path: string; gitdir: string }> {
  const path = resolve(repo.replace(/^file:\/\//, ''));
  const gitdir = await findGitdir(path);
  if (!gitdir) {
    throw new DriftlessError('GitRefused', `git open ${path} failed: not a git repository (no .git, no HEAD and objects)`, {
      remote: path,
      ...(ref ? { ref } : {}),
    });
  }
  return { path, gitdir };
}

async function openLocal(opts: GitSourceOptions, cache: object): Promise<GitSnapshot> {
  const { path, gitdir } = await localGitdir(opts.repo, opts.ref);
  const ref = opts.ref ?? 'HEAD';
  const commit = await resolveCommit(gitdir, ref, ref, path);
  return { reader: await openTreeReader(gitdir, commit, cache), remote: path, ref };
}

/** The gitdir of a working tree (`.git` directory or `gitdir:` file) or a bare repository; undefined if neither. */
async function findGitdir(path: string): Promise<string | undefined> {
  const dotgit = join(path, '.git');
  const st = await stat(dotgit).catch(() => undefined);
  if (st?.isDirectory()) return dotgit;
  if (st?.isFile()) {
    const m = /^gitdir:\s*(.+)$/m.exec(await readFile(dotgit, 'utf8'));
    if (m?.[1]) return resolve(path, m[1].trim());
  }
  if ((await exists(join(path, 'HEAD'))) && (await exists(join(path, 'objects')))) return path;
  return undefined;
}

/** The commit `ref` names in `gitdir` (tags peeled), trying `preferred` first (a remote-tracking ref after a fetch); `GitRefused` naming `remote` when there is none. */
export async function resolveCommit(gitdir: string, ref: string, preferred: string, remote: string): Promise<string> {
  let oid: string | undefined;
  for (const candidate of [preferred, ref, `refs/tags/${ref}`]) {
    oid = await git.resolveRef({ fs, gitdir, ref: candidate }).catch(() => undefined);
    if (oid) break;
  }
  if (!oid) {
    throw new DriftlessError('GitRefused', `git resolve ${remote} (ref ${ref}) failed: no such branch or tag`, { remote, ref });
  }
  for (let i = 0; i < 10; i++) {
    const { type, object } = await git.readObject({ fs, gitdir, oid });
    if (type === 'commit') return oid;
    if (type !== 'tag') break;
    oid = (object as { object: string }).object;
  }
  throw new DriftlessError('GitRefused', `git resolve ${remote} (ref ${ref}) failed: it does not name a commit`, { remote, ref });
}

async function withRetries(opts: GitSourceOptions, remote: string, ref: string | undefined, fetch: () => Promise<void>): Promise<void> {
  const attempts = opts.attempts ?? 4;
  const base = opts.backoffMs ?? 500;
  const clock = opts.clock ?? systemClock;
  const rng = opts.rng ?? { next: () => Math.random() };
  for (let attempt = 1; ; attempt++) {
    try {
      await fetch();
      return;
    } catch (err) {
      const { transient, status, why } = classify(err);
      const refText = ref ? ` (ref ${ref})` : '';
      const data = { remote, ...(ref ? { ref } : {}), ...(status ? { status } : {}) };
      if (!transient) throw new DriftlessError('GitRefused', `git fetch ${remote}${refText} failed: ${why}`, data, { cause: err });
      if (attempt >= attempts) {
        throw new DriftlessError('GitUnavailable', `git fetch ${remote}${refText} failed after ${attempt} attempts: ${why}`, data, { cause: err });
      }
      // Exponential backoff with full jitter, so many hubs do not retry in step.
      await clock.sleep(backoffMs(attempt, base, Number.POSITIVE_INFINITY, rng));
    }
  }
}

function classify(err: unknown): { transient: boolean; status?: number; why: string } {
  const e = err as { code?: string; message?: string; data?: { statusCode?: number; statusMessage?: string } };
  if (e.code === 'HttpError') {
    const status = e.data?.statusCode ?? 0;
    const hint = status === 401 || status === 403 ? ' (check DRIFTLESS_GIT_TOKEN)' : status === 404 ? ' (no such repository)' : '';
    return { transient: status >= 500 || status === 429 || status === 408, status, why: `HTTP ${status} ${e.data?.statusMessage ?? ''}`.trim() + hint };
  }
  // Only our idle timeout means the server went silent; Node's own ETIMEDOUT (a connect timeout) is shown as its code.
  if (err instanceof GitIdleTimeoutError) return { transient: true, why: 'no response (timed out)' };
  const network = networkErrorCode(err);
  if (network) return { transient: true, why: network };
  if (e.code === 'NotFoundError') return { transient: false, why: 'no such branch or tag on the remote' };
  return { transient: false, why: redactText(e.message ?? String(err)) };
}

/** `url` without user info, for messages, logs and cache keys. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return redactText(url);
  }
}

function redactText(text: string): string {
  return text.replace(/\/\/[^/@\s]+@/g, '//');
}

async function exists(path: string): Promise<boolean> {
  return await stat(path).then(
    () => true,
    () => false,
  );
}

/** History fetched by the first deepening, commits; each next one asks for four times as many. */
const FIRST_DEEPEN = 64;

/**
 * Deepens the shallow clone of `remote` (`ref`), relative to what it holds:
 * FIRST_DEEPEN commits the first time, four times as many each next time.
 * Resolves false when the clone has the whole history or nothing more came.
 */
export function deepener(remote: RemoteContext, ref: string | undefined): () => Promise<boolean> {
  const gitdir = join(remote.dir, '.git');
  let by = FIRST_DEEPEN;
  return async () => {
    const before = await shallowCommits(gitdir);
    if (before === '') return false;
    await remote.fetch(ref, () => git.fetch({ ...remote.common, ...(ref ? { ref } : {}), depth: by, relative: true, tags: false }).then(() => undefined));
    by *= 4;
    // Nothing more came: the clone already holds every commit the server would send.
    return (await shallowCommits(gitdir)) !== before;
  };
}

/** The clone's shallow boundary (`.git/shallow`), '' when it has the whole history. */
async function shallowCommits(gitdir: string): Promise<string> {
  return await readFile(join(gitdir, 'shallow'), 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
}
