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

async function git(args: readonly string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run('git', [...args], { cwd, env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 });
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
 * deletes it. Other files are kept as they were.
 */
export async function commitFiles(
  repoPath: string,
  files: Readonly<Record<string, string | Uint8Array | null>>,
  message: string,
  branch = 'main',
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
    await git(['commit', '--quiet', '--allow-empty', '-m', message], work);
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
 * to `from`'s head (refused when that is not a fast-forward). Returns `into`'s
 * new head.
 */
export async function mergeBranch(repoPath: string, from: string, into: string, opts: { fastForward?: boolean } = {}): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'driftless-merge-'));
  try {
    await git(['init', '--quiet', `--initial-branch=${into}`, work]);
    await git(['fetch', '--quiet', repoPath, `+refs/heads/${into}:refs/remotes/origin/${into}`, `+refs/heads/${from}:refs/remotes/origin/${from}`], work);
    await git(['checkout', '--quiet', '-B', into, `origin/${into}`], work);
    await git(['merge', '--quiet', opts.fastForward ? '--ff-only' : '--no-ff', '-m', `Merge branch '${from}' into ${into}`, `origin/${from}`], work);
    await git(['push', '--quiet', repoPath, `HEAD:refs/heads/${into}`], work);
    return await git(['rev-parse', 'HEAD'], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
