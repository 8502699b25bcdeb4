import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { assertValidKey, assertValidPrefix } from '@driftless/core';
import { syncDir, uniqueNames, writeNewFile } from './file-store-io.js';
import { markWriter, othersWriting, type WriterMark } from './file-store-writers.js';
import { tooLargeObject } from './limits.js';

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /**
   * fsync each new version and its directory before answering, so a power loss
   * cannot leave a truncated blob under its final name. Default true.
   */
  readonly durable?: boolean;
}

const VERSION = '.driftless-v';
const TMP = '.driftless-tmp-';
/** Marks a key whose newest version is a tombstone, so listing needs no read per key. */
const DELETED = '.driftless-deleted';
/** Names a data version's ETag: `.driftless-e-<generation>-<sha256 hex>`, a second link to that version. */
const ETAG_MARK = '.driftless-e-';
const GEN_DIGITS = 16;
/** A temporary file older than this, ms, belongs to no write in progress (see prune). */
const STALE_TMP_MS = 60_000;
const DATA = 1;
const TOMBSTONE = 0;

interface Current {
  /** Generation of the newest version; 0 when the key never existed. */
  readonly gen: number;
  /** When that version was written, ms since the epoch. */
  readonly modifiedMs?: number;
  /** Content, or undefined when the key is absent (never written, or deleted). */
  readonly body?: Uint8Array;
  readonly etag?: string;
}

/**
 * The ObjectStore in a local directory (`file:DIR`, the embedded default).
 *
 * Each key is a directory holding immutable, numbered versions; the highest is
 * current. A write creates version n+1 with `link` from a fully written (and,
 * when durable, fsynced) temporary file: `link` fails if the name exists, so of
 * several writers that read version n, exactly one creates n+1. That makes
 * put-if-absent and compare-and-swap linearizable across processes on one host
 * without locks, and readers never see partial content. Deletion writes a
 * tombstone version and a marker that listing reads instead of each key's
 * content. Versions older than the previous one are removed after a write, but
 * only while no other writer of that key is at work (`file-store-writers.ts`:
 * a paused writer could otherwise re-create a removed version and report a
 * write nobody reads). ETags are the quoted SHA-256 of the content, so equal
 * bytes have equal ETags, as with S3. Each data version has a mark (a second
 * link to it) named after its ETag, so listing answers ETags from the directory entries it
 * reads anyway; it walks the keys in order and stops after a page, reading
 * only the directories that can hold the page's keys.
 */
export function createFileStore(root: string, opts: FileStoreOptions = {}): ObjectStore {
  const durable = opts.durable ?? true;
  const unique = uniqueNames();
  const dirOf = (key: string): string => join(root, ...key.split('/'));
  const versionPath = (key: string, gen: number): string => join(dirOf(key), `${VERSION}${String(gen).padStart(GEN_DIGITS, '0')}`);

  const readCurrent = async (key: string, maxBytes?: number): Promise<Current> => {
    // A version can be removed between listing and reading it, once a newer one
    // exists: then the newer one is current, so list again.
    for (;;) {
      const gens = await generations(dirOf(key)).catch((err: unknown) => Promise.reject(translate(err, 'read', key)));
      const gen = gens[0];
      if (gen === undefined) return { gen: 0 };
      try {
        const path = versionPath(key, gen);
        const st = await stat(path);
        if (maxBytes !== undefined && st.size - 1 > maxBytes) throw tooLargeObject(key, maxBytes);
        const raw = await readFile(path);
        if (raw[0] !== DATA) return { gen };
        const body = new Uint8Array(raw.buffer, raw.byteOffset + 1, raw.byteLength - 1);
        return { gen, body, etag: etagOf(body), modifiedMs: st.mtimeMs };
      } catch (err) {
        if (isMissing(err)) continue;
        if (err instanceof DriftlessError) throw err;
        throw translate(err, 'read', key);
      }
    }
  };

  /**
   * The ETag of `key`'s current version, read, and its mark linked so the
   * next listing need not read it (best effort: a prune racing this at worst
   * keeps that version's inode until the key's next prune). Undefined when
   * the key is gone.
   */
  const readAndMark = async (key: string): Promise<string | undefined> => {
    const cur = await readCurrent(key);
    if (cur.body === undefined) return undefined;
    await link(versionPath(key, cur.gen), join(dirOf(key), etagMarkName(cur.gen, cur.body))).catch(() => undefined);
    return cur.etag;
  };

  /**
   * Creates version `gen` of `key`; false when another writer created it first.
   * `wasDeleted` says the current version is a tombstone (the deleted marker goes).
   */
  const commit = async (key: string, mark: WriterMark, gen: number, body: Uint8Array | undefined, op: string, wasDeleted = false): Promise<boolean> => {
    const dir = dirOf(key);
    const tmp = join(dir, `${TMP}${unique()}`);
    // Set once the temporary name is gone (renamed to the ETag mark), so it is not unlinked again.
    let tmpGone = false;
    try {
      const content = body === undefined ? Uint8Array.of(TOMBSTONE) : Buffer.concat([Uint8Array.of(DATA), body]);
      await writeNewFile(tmp, content, durable).catch(async (err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await mkdir(dir, { recursive: true });
        await writeNewFile(tmp, content, durable);
      });
      try {
        await link(tmp, versionPath(key, gen));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
      if (body === undefined) await writeFile(join(dir, DELETED), '');
      else {
        // Best effort: without its mark, a listing reads the version to learn its ETag.
        // The temporary name becomes the mark: a second name of the version's inode in one call.
        tmpGone = await rename(tmp, join(dir, etagMarkName(gen, body))).then(
          () => true,
          () => false,
        );
        if (wasDeleted) await unlink(join(dir, DELETED)).catch(() => undefined);
      }
      if (durable) await syncDir(dir);
    } catch (err) {
      throw translate(err, op, key);
    } finally {
      if (!tmpGone) await unlink(tmp).catch(() => undefined);
    }
    await prune(key, mark, gen);
    return true;
  };

  /** Keeps the current and the previous version; older ones go (best effort: a crash only leaves garbage). */
  const prune = async (key: string, mark: WriterMark, gen: number): Promise<void> => {
    if (gen <= 2 || (await othersWriting(dirOf(key), mark.name))) return;
    const names = await readdir(dirOf(key)).catch(() => []);
    const old = names.filter((n) => {
      const g = versionOf(n) ?? etagMarkOf(n)?.gen;
      return g !== undefined && g < gen - 1;
    });
    await Promise.all(old.map((n) => unlink(join(dirOf(key), n)).catch(() => undefined)));
    // A temporary name can outlive its write: left by a crash, or kept when a listing linked the
    // ETag mark between the writer's link and its rename (rename of two links of one inode does
    // nothing). Only old ones go: a writer that marked itself since the check above may own a new one.
    const stale = Date.now() - STALE_TMP_MS;
    await Promise.all(
      names
        .filter((n) => n.startsWith(TMP))
        .map(async (n) => {
          const path = join(dirOf(key), n);
          const written = (await stat(path).catch(() => undefined))?.mtimeMs;
          if (written !== undefined && written < stale) await unlink(path).catch(() => undefined);
        }),
    );
  };

  /** Runs one write operation with its writer mark in place from its first read to its end. */
  const asWriter = async <T>(key: string, op: string, fn: (mark: WriterMark) => Promise<T>): Promise<T> => {
    const mark = await markWriter(dirOf(key), unique(), op === 'put-if-absent').catch((err: unknown) => Promise.reject(translate(err, op, key)));
    try {
      return await fn(mark);
    } finally {
      await mark.release();
    }
  };

  return {
    async get(key: string, o: GetOptions = {}): Promise<GetResult> {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      const cur = await readCurrent(key, o.maxBytes);
      if (cur.body === undefined || cur.etag === undefined) return { kind: 'not-found' };
      if (o.ifNoneMatch !== undefined && o.ifNoneMatch === cur.etag) return { kind: 'not-modified' };
      return { kind: 'found', body: cur.body, etag: cur.etag };
    },

    async head(key: string, o: RequestOptions = {}) {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      const cur = await readCurrent(key);
      return cur.body && cur.etag ? { etag: cur.etag, size: cur.body.byteLength, modifiedMs: cur.modifiedMs ?? 0 } : undefined;
    },

    async putIfAbsent(key: string, body: Uint8Array, o: PutOptions = {}): Promise<PutIfAbsentResult> {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      return await asWriter(key, 'put-if-absent', async (mark) => {
        for (;;) {
          o.signal?.throwIfAborted();
          const cur = await readCurrent(key);
          if (cur.body !== undefined) return { kind: 'exists' };
          if (await commit(key, mark, cur.gen + 1, body, 'put-if-absent', cur.gen > 0)) return { kind: 'created', etag: etagOf(body) };
        }
      });
    },

    async put(key: string, body: Uint8Array, o: PutOptions & { ifMatch?: string } = {}): Promise<PutResult> {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      return await asWriter(key, 'put', async (mark) => {
        for (;;) {
          o.signal?.throwIfAborted();
          const cur = await readCurrent(key);
          if (o.ifMatch !== undefined && (cur.etag === undefined || cur.etag !== o.ifMatch)) return { kind: 'conflict' };
          if (await commit(key, mark, cur.gen + 1, body, 'put', cur.gen > 0 && cur.body === undefined)) return { kind: 'written', etag: etagOf(body) };
          // Another writer created the same version first: a compare-and-swap lost (its
          // base is gone); an unconditional put tries again on top of the new version.
          if (o.ifMatch !== undefined) return { kind: 'conflict' };
        }
      });
    },

    async list(prefix: string, o: ListOptions = {}): Promise<ListPage> {
      assertValidPrefix(prefix);
      o.signal?.throwIfAborted();
      const pageSize = Math.min(o.pageSize ?? 1000, 1000);
      const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      let found: Listed[];
      try {
        // One key past the page tells whether another page follows.
        found = await listKeys(start === '' ? root : dirOf(start), start, { prefix, after: o.pageToken, limit: pageSize + 1 });
      } catch (err) {
        throw translate(err, 'list', prefix);
      }
      const page = found.slice(0, pageSize);
      const keys: string[] = [];
      const etags: string[] = [];
      for (const item of page) {
        // No ETag mark (written before marks existed, or its writer stopped between
        // the version and its mark): the ETag costs a read, as a GET would, once.
        const etag = item.etag ?? (await readAndMark(item.key));
        // None: deleted since it was listed, so it is left out.
        if (etag === undefined) continue;
        keys.push(item.key);
        etags.push(etag);
      }
      const last = page[page.length - 1]?.key;
      return found.length > pageSize && last !== undefined ? { keys, etags, nextPageToken: last } : { keys, etags };
    },

    async delete(key: string, o: RequestOptions = {}): Promise<void> {
      assertValidKey(key);
      o.signal?.throwIfAborted();
      // Absent already: done, without creating the key's directory for a mark.
      if ((await readCurrent(key)).body === undefined) return;
      await asWriter(key, 'delete', async (mark) => {
        for (;;) {
          o.signal?.throwIfAborted();
          const cur = await readCurrent(key);
          if (cur.body === undefined) return;
          if (await commit(key, mark, cur.gen + 1, undefined, 'delete')) return;
        }
      });
    },
  };
}

/** Version numbers present in a key's directory, newest first; none when it does not exist. */
async function generations(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  return names
    .map(versionOf)
    .filter((g): g is number => g !== undefined)
    .sort((a, b) => b - a);
}

/** The generation a version file's name holds; undefined for any other name. */
function versionOf(name: string): number | undefined {
  return name.startsWith(VERSION) && name.length === VERSION.length + GEN_DIGITS ? Number.parseInt(name.slice(VERSION.length), 10) : undefined;
}

/** The name of the ETag mark of data version `gen` holding `body`. */
function etagMarkName(gen: number, body: Uint8Array): string {
  return `${ETAG_MARK}${String(gen).padStart(GEN_DIGITS, '0')}-${createHash('sha256').update(body).digest('hex')}`;
}

/** The generation and ETag an ETag mark's name holds; undefined for any other name. */
function etagMarkOf(name: string): { readonly gen: number; readonly etag: string } | undefined {
  if (!name.startsWith(ETAG_MARK) || name.length !== ETAG_MARK.length + GEN_DIGITS + 1 + 64) return undefined;
  const hex = name.slice(ETAG_MARK.length + GEN_DIGITS + 1);
  return { gen: Number.parseInt(name.slice(ETAG_MARK.length, ETAG_MARK.length + GEN_DIGITS), 10), etag: `"${hex}"` };
}

/** A listed key, with its ETag when its directory holds the mark of its current version. */
interface Listed {
  readonly key: string;
  readonly etag?: string;
}

/** Which keys a listing wants: those starting with `prefix`, after `after`, at most `limit`. */
interface ListWalk {
  readonly prefix: string;
  readonly after?: string | undefined;
  readonly limit: number;
}

/**
 * The keys at and below `dir` (whose key is `key`, `` for the root) that
 * `walk` wants, in lexicographic order. Siblings are visited in the order of
 * their keys: a directory's own key sorts as its name, its subtree as its name
 * and `/` (so `a`, `a.b`, `a/x` come in that order). A subtree that cannot hold
 * a wanted key is not read, and the walk stops once it has `limit` keys, so a
 * page costs the directories of that page, not of every key under the prefix.
 */
async function listKeys(dir: string, key: string, walk: ListWalk): Promise<Listed[]> {
  const out: Listed[] = [];
  const entries = await readEntries(dir);
  if (key !== '' && wantsKey(key, walk)) {
    const own = ownKey(key, entries);
    if (own) out.push(own);
  }
  await listBelow(dir, key, entries, walk, out);
  return out;
}

async function listBelow(dir: string, key: string, entries: readonly Dirent[], walk: ListWalk, out: Listed[]): Promise<void> {
  const items: { readonly order: string; readonly name: string; readonly subtree: boolean }[] = [];
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith('.driftless')) items.push({ order: e.name, name: e.name, subtree: false }, { order: `${e.name}/`, name: e.name, subtree: true });
  }
  items.sort((a, b) => compareKeys(a.order, b.order));
  // A child's entries, read for its own key, are used again for its subtree, which comes later.
  const read = new Map<string, readonly Dirent[]>();
  for (const item of items) {
    if (out.length >= walk.limit) return;
    const child = key === '' ? item.name : `${key}/${item.name}`;
    if (!item.subtree) {
      if (!wantsKey(child, walk)) continue;
      const childEntries = await readEntries(join(dir, item.name));
      read.set(item.name, childEntries);
      const own = ownKey(child, childEntries);
      if (own) out.push(own);
    } else if (wantsSubtree(`${child}/`, walk)) {
      const childEntries = read.get(item.name) ?? (await readEntries(join(dir, item.name)));
      read.delete(item.name);
      await listBelow(join(dir, item.name), child, childEntries, walk, out);
    }
  }
}

function wantsKey(key: string, walk: ListWalk): boolean {
  return key.startsWith(walk.prefix) && (walk.after === undefined || compareKeys(key, walk.after) > 0);
}

/**
 * Orders keys as S3 does, by their UTF-8 bytes, which is code point order.
 * JavaScript's `<` compares UTF-16 units, which puts a character above the
 * Basic Multilingual Plane (a surrogate pair) before U+E000-U+FFFF: those are
 * moved so that surrogates sort above them.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

/** Whether some key starting with `below` (a key and `/`) can be wanted. */
function wantsSubtree(below: string, walk: ListWalk): boolean {
  if (!below.startsWith(walk.prefix) && !walk.prefix.startsWith(below)) return false;
  // Every key under `below` sorts before `after` when `below` does and is not its start.
  return walk.after === undefined || compareKeys(below, walk.after) > 0 || walk.after.startsWith(below);
}

/** `key` when `entries` (its directory's) hold a version and no deleted mark, with the current version's ETag when its mark is there. */
function ownKey(key: string, entries: readonly Dirent[]): Listed | undefined {
  let newest: number | undefined;
  const marks = new Map<number, string>();
  for (const e of entries) {
    if (e.name === DELETED) return undefined;
    const gen = versionOf(e.name);
    if (gen !== undefined) {
      if (newest === undefined || gen > newest) newest = gen;
      continue;
    }
    const mark = etagMarkOf(e.name);
    if (mark) marks.set(mark.gen, mark.etag);
  }
  if (newest === undefined) return undefined;
  const etag = marks.get(newest);
  return etag === undefined ? { key } : { key, etag };
}

/** A directory's entries; none when it does not exist. */
async function readEntries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

/** The quoted hex SHA-256 of `body`: the file store's ETag. */
function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('hex')}"`;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function translate(err: unknown, operation: string, key: string): DriftlessError {
  if (err instanceof DriftlessError) return err as DriftlessError;
  const code = (err as NodeJS.ErrnoException).code;
  const transient = code === 'EMFILE' || code === 'ENFILE' || code === 'EAGAIN' || code === 'EBUSY' || code === 'ENOSPC';
  return new DriftlessError(
    transient ? 'StoreUnavailable' : 'StoreRefused',
    `file ${operation} ${key} failed: ${(err as Error).message}`,
    { operation, key },
    { cause: err },
  );
}
