import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Temporary directories for one test file: the function returned creates a
 * fresh one under the OS temp directory, named `driftless-<prefix>-…`, and
 * every one it made is removed after the file's tests. Call it at the top
 * level of a test file: it registers an `afterAll` hook.
 */
export function tempDirs(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const d = await mkdtemp(join(tmpdir(), `driftless-${prefix}-`));
    dirs.push(d);
    return d;
  };
}
