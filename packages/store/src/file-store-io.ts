import { randomBytes } from 'node:crypto';
import { close, fsync, open, write } from 'node:fs';
import { promisify } from 'node:util';

/*
 * The file store's few file operations on plain descriptors. A publish makes
 * tens of thousands of writes of small files; fs/promises wraps each open in a
 * FileHandle (an event emitter the garbage collector tracks), which cost more
 * main-thread time in a 10,000-cluster publish profile than the system calls
 * themselves. Same system calls, same order, same guarantees.
 */
const openFd = promisify(open);
const closeFd = promisify(close);
const fsyncFd = promisify(fsync);
const writeFd = promisify(write);

/**
 * Creates `path` (failing with EEXIST when it exists, ENOENT when its
 * directory does not) holding `bytes`, fsynced before it is closed
 * when `durable`, so that a name linked to it afterwards never shows a
 * truncated file after a crash.
 */
export async function writeNewFile(path: string, bytes: Uint8Array, durable: boolean): Promise<void> {
  const fd = await openFd(path, 'wx');
  try {
    for (let done = 0; done < bytes.byteLength; ) done += (await writeFd(fd, bytes, done, bytes.byteLength - done, null)).bytesWritten;
    if (durable) await fsyncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

/** fsyncs the directory `dir`, so that names linked into it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fd = await openFd(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

/**
 * Names unique across processes on this host and across calls in this one:
 * `<pid>-<random of this source><counter>` in hex. One random draw per source
 * rather than per name: a publish names two files per write.
 */
export function uniqueNames(): () => string {
  const base = `${process.pid}-${randomBytes(6).toString('hex')}`;
  let n = 0;
  return () => `${base}${(n++).toString(16).padStart(4, '0')}`;
}
