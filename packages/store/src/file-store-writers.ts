import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNewFile } from './file-store-io.js';

/**
 * A writer's marker in a key's directory: `.driftless-w-<pid>-<random>`, present
 * from before the writer's first read until it has finished.
 *
 * Why: a write creates version n+1 with `link`, which fails when the name
 * exists. If version n+1 had been pruned while a writer paused after reading n,
 * its `link` would succeed and report a write that readers never see (they read
 * the newest version). So a writer prunes only when no other live writer is
 * marked: a writer marked after that check reads after the pruner's commit, so
 * it can only target newer versions than the ones pruned.
 */
const WRITER = '.driftless-w-';

/** One writer's mark: its file name in the key's directory, and how to remove it. */
export interface WriterMark {
  readonly name: string;
  release(): Promise<void>;
}

/**
 * Marks a writer in `dir` (created when missing); `unique` is `<pid>-<unique
 * on this host>` (file-store-io's uniqueNames). `likelyNew` (a put-if-absent,
 * such as a publish's blobs) creates the directory first: for a new key that
 * saves a failed open, for an existing one it costs a `mkdir` that finds it.
 */
export async function markWriter(dir: string, unique: string, likelyNew = false): Promise<WriterMark> {
  const name = `${WRITER}${unique}`;
  const path = join(dir, name);
  const create = (): Promise<void> => writeNewFile(path, new Uint8Array(), false);
  if (likelyNew) await mkdir(dir, { recursive: true });
  await create().catch(async (err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true });
    await create();
  });
  return { name, release: async () => unlink(path).catch(() => undefined) };
}

/**
 * True when a writer other than `ownMark` is marked in `dir` and its process is
 * alive (other writers in the same process count). Marks of processes that are
 * gone (a crash mid-write) are removed, so pruning resumes. Liveness is judged
 * on this host, which is the file store's scope.
 */
export async function othersWriting(dir: string, ownMark: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let live = false;
  for (const name of names) {
    if (!name.startsWith(WRITER) || name === ownMark) continue;
    const pid = Number.parseInt(name.slice(WRITER.length), 10);
    if (isAlive(pid)) live = true;
    else await unlink(join(dir, name)).catch(() => undefined);
  }
  return live;
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
