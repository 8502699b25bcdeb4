import { open, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UsageError } from '../errors.js';

/** One code reference to a flag key: a quoted string literal at file:line (file relative to the scanned directory, `/`-separated). */
export interface FlagRef {
  readonly key: string;
  readonly file: string;
  readonly line: number;
}

/** What `driftless flags refs` found: every reference (by file, line, key) and the keys with none. */
export interface FlagRefs {
  readonly refs: readonly FlagRef[];
  readonly unreferenced: readonly string[];
}

/** Files larger than this are skipped (generated or vendored, not code someone edits), bytes. */
export const MAX_SCANNED_FILE_BYTES = 1024 * 1024;
const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git']);

/** The flag keys of a fleet repository's working tree: the names of `flags/*.yaml`, sorted. A missing directory is a UsageError naming it. */
export async function flagKeysOfRepo(repo: string): Promise<string[]> {
  const dir = join(repo, 'flags');
  const names = await readdir(dir).catch((err: unknown) => {
    throw new UsageError(`--repo ${repo}: cannot list ${dir}: ${(err as Error).message}`);
  });
  return names.filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -'.yaml'.length)).sort();
}

/**
 * Every line under `src` naming a key as a quoted string literal (`'key'`,
 * `"key"` or a backquoted one), skipping node_modules, .git, binary files (a NUL
 * byte) and files over MAX_SCANNED_FILE_BYTES; the keys no line names. A
 * missing `src` is a UsageError naming it.
 */
export async function findFlagRefs(src: string, keys: readonly string[]): Promise<FlagRefs> {
  const top = await stat(src).catch(() => undefined);
  if (!top?.isDirectory()) throw new UsageError(`--src ${src} is not a directory`);
  const refs: FlagRef[] = [];
  for await (const file of sourceFiles(src)) {
    const text = await readText(file);
    if (text === undefined) continue;
    text.split('\n').forEach((line, i) => {
      for (const key of keys) {
        if (['\'', '"', '`'].some((q) => line.includes(`${q}${key}${q}`))) refs.push({ key, file: relative(src, file).split('\\').join('/'), line: i + 1 });
      }
    });
  }
  refs.sort((a, b) => (a.file === b.file ? a.line - b.line || (a.key < b.key ? -1 : 1) : a.file < b.file ? -1 : 1));
  const seen = new Set(refs.map((r) => r.key));
  return { refs, unreferenced: keys.filter((k) => !seen.has(k)) };
}

/** The `driftless flags refs` listing: `file:line: key` per reference, then the flags with none. */
export function renderFlagRefs(found: FlagRefs): string {
  const lines = found.refs.map((r) => `${r.file}:${r.line}: ${r.key}`);
  lines.push(found.unreferenced.length === 0 ? 'every flag is referenced' : `no reference: ${found.unreferenced.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, e.name);
    if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) yield* sourceFiles(path);
    else if (e.isFile()) yield path;
  }
}

/** The file's text; undefined when it is too large or binary. */
async function readText(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    if ((await handle.stat()).size > MAX_SCANNED_FILE_BYTES) return undefined;
    const bytes = await handle.readFile();
    return bytes.includes(0) ? undefined : bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}
