import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  DriftlessError,
  type GetOptions,
  type GetResult,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutIfAbsentResult,
  type PutOptions,
  type PutResult,
  type RequestOptions,
} from '@driftless/core';
import { assertValidKey, assertValidPrefix } from './keys.js';

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** A per-key lock older than this is taken to be left by a crashed writer and broken, ms. Default 30 000. */
  readonly staleLockMs?: number;
  /** Give up waiting for a per-key lock after this long (then `StoreUnavailable`), ms. Default 10 000. */
  readonly lockTimeoutMs?: number;
}

const TMP = '.driftless-tmp-';
const LOCK = '.driftless-lock-';

/**
 * The ObjectStore in a local directory (`file:DIR`, the embedded default). Keys
 * map to files below `dir`. ETags are the quoted SHA-256 of the content, so
 * equal bytes have equal ETags, as with S3. Every write goes to a temporary file
 * first and appears atomically (rename, or link for put-if-absent), so readers
 * never see partial content. Put-if-absent relies on `link` failing when the
 * target exists; compare-and-swap, plain put and delete hold a per-key lock
 * directory, so they stay correct when several processes on this host race.
 */
export function createFileStore(dir: string, opts: FileStoreOptions = {}): ObjectStore {
  const staleLockMs = opts.staleLockMs ?? 30_000;
  const lockTimeoutMs = opts.lockTimeoutMs ?? 10_000;
  const pathOf = (key: string): string => join(dir, ...key.split('/'));

  const writeTemp = async (target: string, body: Uint8Array): Promise<string> => {
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `${TMP}${randomBytes(8).toString('hex')}`);
    await writeFile(tmp, body);
    return tmp;
  };

  const withLock = async <T>(key: string, op: string, fn: () => Promise<T>): Promise<T> => {
    const target = pathOf(key);
    const lock = join(dirname(target), `${LOCK}${target.slice(dirname(target).length + 1)}`);
    await mkdir(dirname(target), { recursive: true });
    const deadline = Date.now() + lockTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        await mkdir(lock);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw translate(err, op, key);
        const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > staleLockMs) await rmdir(lock).catch(() => undefined);
        else if (Date.now() > deadline) {
          throw new DriftlessError('StoreUnavailable', `file ${op} ${key} failed: lock ${lock} held for over ${lockTimeoutMs} ms`, {
            operation: op,
            key,
          });
        }
        // Full jitter, so waiting writers do not retry in step.
        await new Promise((r) => setTimeout(r, Math.random() * wait));
      }
    }
    try {
      return await fn();
    } finally {
      await rmdir(lock).catch(() => undefined);
    }
  };

  const readCurrent = async (key: string): Promise<{ body: Uint8Array; etag: string } | undefined> => {
    try {
      const body = new Uint8Array(await readFile(pathOf(key)));
      return { body, etag: etagOf(body) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw translate(err, 'read', key);
    }
  };

  return {
    async get(key: string, o: GetOptions = {}): Promise<GetResult> {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      const cur = await readCurrent(key);
      if (!cur) return { kind: 'not-found' };
      if (o.ifNoneMatch !== undefined && o.ifNoneMatch === cur.etag) return { kind: 'not-modified' };
      return { kind: 'found', body: cur.body, etag: cur.etag };
    },

    async head(key: string, o: RequestOptions = {}) {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      const cur = await readCurrent(key);
      return cur ? { etag: cur.etag, size: cur.body.byteLength } : undefined;
    },

    async putIfAbsent(key: string, body: Uint8Array, o: PutOptions = {}): Promise<PutIfAbsentResult> {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      const target = pathOf(key);
      const tmp = await writeTemp(target, body).catch((err: unknown) => Promise.reject(translate(err, 'put-if-absent', key)));
      try {
        await link(tmp, target);
        return { kind: 'created', etag: etagOf(body) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { kind: 'exists' };
        throw translate(err, 'put-if-absent', key);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    },

    async put(key: string, body: Uint8Array, o: PutOptions & { ifMatch?: string } = {}): Promise<PutResult> {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      return await withLock(key, 'put', async () => {
        if (o.ifMatch !== undefined) {
          const cur = await readCurrent(key);
          if (!cur || cur.etag !== o.ifMatch) return { kind: 'conflict' };
        }
        const target = pathOf(key);
        const tmp = await writeTemp(target, body);
        try {
          await rename(tmp, target);
        } catch (err) {
          await unlink(tmp).catch(() => undefined);
          throw translate(err, 'put', key);
        }
        return { kind: 'written', etag: etagOf(body) };
      });
    },

    async list(prefix: string, o: ListOptions = {}): Promise<ListPage> {
      assertValidPrefix(prefix);
      o.signal?.throwIfAborted();
      const pageSize = Math.min(o.pageSize ?? 1000, 1000);
      const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      const all = (await walk(start === '' ? dir : pathOf(start))).map((p) => relative(dir, p).split(sep).join('/'));
      const keys = all.filter((k) => k.startsWith(prefix) && (o.pageToken === undefined || k > o.pageToken)).sort();
      const page = keys.slice(0, pageSize);
      const last = page[page.length - 1];
      return keys.length > pageSize && last !== undefined ? { keys: page, nextPageToken: last } : { keys: page };
    },

    async delete(key: string, o: RequestOptions = {}): Promise<void> {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      await withLock(key, 'delete', async () => {
        await unlink(pathOf(key)).catch((err: unknown) => {
          if (!isMissing(err)) throw translate(err, 'delete', key);
        });
      });
    },
  };
}

/** The quoted hex SHA-256 of `body`: the file store's ETag. */
function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('hex')}"`;
}

/** Every regular file below `root` (none when it does not exist), skipping the store's own temp and lock files. */
async function walk(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.driftless')) continue;
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function translate(err: unknown, operation: string, key: string): DriftlessError {
  const code = (err as NodeJS.ErrnoException).code;
  const transient = code === 'EMFILE' || code === 'ENFILE' || code === 'EAGAIN' || code === 'EBUSY';
  return new DriftlessError(
    transient ? 'StoreUnavailable' : 'StoreRefused',
    `file ${operation} ${key} failed: ${(err as Error).message}`,
    { operation, key },
    { cause: err },
  );
}
