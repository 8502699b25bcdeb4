import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Committer identity and config for fixture commits: no user or system config
 * leaks in, and no automatic gc runs in the background (with thousands of files
 * it would, and race the removal of the temporary clone).
 */
const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_COUNT: '3',
  GIT_CONFIG_KEY_0: 'gc.auto',
  GIT_CONFIG_VALUE_0: '0',
  GIT_CONFIG_KEY_1: 'maintenance.auto',
  GIT_CONFIG_VALUE_1: 'false',
  GIT_CONFIG_KEY_2: 'receive.autogc',
  GIT_CONFIG_VALUE_2: 'false',
  GIT_AUTHOR_NAME: 'Driftless Test',
  GIT_AUTHOR_EMAIL: 'test@driftless.invalid',
  GIT_COMMITTER_NAME: 'Driftless Test',
  GIT_COMMITTER_EMAIL: 'test@driftless.invalid',
};

/** The environment that dates a commit (author and committer) at `date`. */
function dateEnv(date: Date): NodeJS.ProcessEnv {
  const stamp = `@${Math.floor(date.getTime() / 1000)} +0000`;
  return { GIT_AUTHOR_DATE: stamp, GIT_COMMITTER_DATE: stamp };
}

async function git(args: readonly string[], cwd?: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run('git', [...args], { cwd, env: { ...GIT_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`git ${args[0] ?? ''} failed: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

/**
 * Creates an empty bare repository `<root>/<name>.git` whose HEAD is `branch`
 * (default `main`), as a git host would, with Debian's git. Returns its path.
 */
export async function createBareRepo(root: string, name: string, branch = 'main'): Promise<string> {
  const path = join(root, `${name}.git`);
  await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, path]);
  return path;
}

/**
 * Commits `files` to `branch` of the bare repository at `repoPath` with Debian's
 * git (independent of the isomorphic-git code under test) and returns the new
 * commit's SHA. A string value writes that file (directories are created); null
 * deletes it. Other files are kept as they were. `opts.date` sets the
 * author and committer time (default now): how a test makes an old commit or
 * one from a clock that runs ahead.
 */
export async function commitFiles(
  repoPath: string,
  files: Readonly<Record<string, string | Uint8Array | null>>,
  message: string,
  branch = 'main',
  opts: { readonly date?: Date } = {},
): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'driftless-commit-'));
  try {
    await git(['init', '--quiet', `--initial-branch=${branch}`, work]);
    await git(['fetch', '--quiet', '--depth=1', repoPath, `+refs/heads/${branch}:refs/remotes/origin/${branch}`], work).then(
      () => git(['checkout', '--quiet', '-B', branch, `origin/${branch}`], work),
      () => undefined, // the branch does not exist yet: start from an empty tree
    );
    for (const [file, content] of Object.entries(files)) {
      const path = join(work, file);
      if (content === null) await rm(path, { force: true });
      else {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content);
      }
    }
    await git(['add', '--all'], work);
    await git(['commit', '--quiet', '--allow-empty', '-m', message], work, opts.date ? dateEnv(opts.date) : {});
    await git(['push', '--quiet', repoPath, `HEAD:refs/heads/${branch}`], work);
    return await git(['rev-parse', 'HEAD'], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Points `branch` of the bare repository at `repoPath` at `commit` (created or
 * moved, like a force push), with Debian's git: how a test publishes an older
 * commit through a ref the remote serves.
 */
export async function pointBranch(repoPath: string, branch: string, commit: string): Promise<void> {
  await git(['--git-dir', repoPath, 'update-ref', `refs/heads/${branch}`, commit]);
}

/**
 * Deletes `branch` of the bare repository at `repoPath`, as `git push --delete`
 * would, with Debian's git. Its commits stay until git's own gc.
 */
export async function deleteBranch(repoPath: string, branch: string): Promise<void> {
  await git(['--git-dir', repoPath, 'update-ref', '-d', `refs/heads/${branch}`]);
}

/** Creates the annotated tag `tag` on `commit` in the bare repository at `repoPath`, with Debian's git. */
export async function tagCommit(repoPath: string, tag: string, commit: string): Promise<void> {
  await git(['--git-dir', repoPath, 'tag', '-a', '-m', tag, tag, commit]);
}

/**
 * Merges `from` into `into` in the bare repository at `repoPath` the way a
 * pull request's merge button does, with Debian's git: a merge commit with
 * two parents (`into`'s head first), or with `fastForward` `into` just moves
 * to `from`'s head (refused when that is not a fast-forward). `date` sets the
 * merge commit's time (default now). Returns `into`'s new head.
 */
export async function mergeBranch(repoPath: string, from: string, into: string, opts: { fastForward?: boolean; date?: Date } = {}): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'driftless-merge-'));
  try {
    await git(['init', '--quiet', `--initial-branch=${into}`, work]);
    await git(['fetch', '--quiet', repoPath, `+refs/heads/${into}:refs/remotes/origin/${into}`, `+refs/heads/${from}:refs/remotes/origin/${from}`], work);
    await git(['checkout', '--quiet', '-B', into, `origin/${into}`], work);
    const date = opts.date ? dateEnv(opts.date) : {};
    await git(['merge', '--quiet', opts.fastForward ? '--ff-only' : '--no-ff', '-m', `Merge branch '${from}' into ${into}`, `origin/${from}`], work, date);
    await git(['push', '--quiet', repoPath, `HEAD:refs/heads/${into}`], work);
    return await git(['rev-parse', 'HEAD'], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Appends one empty commit per entry of `dates` (its author and committer
 * time) to the existing `branch` of the bare repository at `repoPath`, oldest
 * first, in one git fast-import: how a test makes a long history in a moment.
 * Returns the new commits' SHAs, oldest first.
 */
export async function appendCommits(repoPath: string, branch: string, dates: readonly Date[]): Promise<string[]> {
  const tip = await git(['--git-dir', repoPath, 'rev-parse', `refs/heads/${branch}`]);
  const stream = dates
    .map((date, i) => {
      const message = `history ${i + 1}\n`;
      const from = i === 0 ? `from ${tip}\n` : '';
      return `commit refs/heads/${branch}\ncommitter Driftless Test <test@driftless.invalid> ${Math.floor(date.getTime() / 1000)} +0000\ndata ${Buffer.byteLength(message)}\n${message}${from}\n`;
    })
    .join('');
  await new Promise<void>((resolve, reject) => {
    const child = execFile('git', ['--git-dir', repoPath, 'fast-import', '--quiet'], { env: GIT_ENV }, (err, _out, stderr) =>
      err ? reject(new Error(`git fast-import failed: ${stderr.trim() || err.message}`, { cause: err })) : resolve(),
    );
    child.stdin?.end(stream);
  });
  if (dates.length === 0) return [];
  return (await git(['--git-dir', repoPath, 'rev-list', '--reverse', `-n${dates.length}`, `refs/heads/${branch}`])).split('\n');
}
