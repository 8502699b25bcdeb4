import type { ObjectStore } from '@driftless/core';

/** Requests a reader made since it was created: what the tests and the bench count. */
export interface EtagReadCounts {
  list: number;
  /** GETs that returned a body (200). */
  get: number;
  /** Conditional GETs answered `not-modified` (304): they cost no body. */
  notModified: number;
}

/** Documents kept by key with their ETag (see createEtagReads). */
export interface EtagReads<T> {
  /**
   * Brings `key` up to date: nothing when `listedEtag` (the listing's) is the
   * one kept; else a GET with If-None-Match of the kept ETag, so a store that
   * lists no ETags (the file store) still pays no body for an unchanged
   * document. A document gone from the store is forgotten.
   */
  refresh(key: string, listedEtag: string | undefined): Promise<void>;
  /** The decoded document at `key`; undefined when none was read or it did not decode. */
  value(key: string): T | undefined;
  /** Keys kept (read and found). */
  keys(): IterableIterator<string>;
  forget(key: string): void;
  readonly counts: Readonly<EtagReadCounts>;
}

/**
 * Documents of `store` read only when their ETag changed. `decode` turns a
 * body into the value kept (it may throw: the key is then kept with no
 * value, and not read again until its ETag changes, so one broken document
 * costs one GET, not one per refresh; `onInvalid` hears of it). `counts` is shared with the caller's
 * listing so one object tells every request made.
 */
export function createEtagReads<T>(
  store: ObjectStore,
  decode: (key: string, body: Uint8Array) => T,
  opts: { readonly maxBytes: number; readonly counts?: EtagReadCounts; readonly onInvalid?: (key: string, err: Error) => void },
): EtagReads<T> {
  const kept = new Map<string, { readonly etag: string; readonly value?: T }>();
  const counts = opts.counts ?? { list: 0, get: 0, notModified: 0 };
  return {
    counts,
    async refresh(key, listedEtag) {
      const known = kept.get(key);
      if (known && listedEtag !== undefined && known.etag === listedEtag) return;
      const got = await store.get(key, { maxBytes: opts.maxBytes, ...(known ? { ifNoneMatch: known.etag } : {}) });
      if (got.kind === 'not-modified') {
        counts.notModified += 1;
        return;
      }
      if (got.kind === 'not-found') {
        kept.delete(key);
        return;
      }
      counts.get += 1;
      let value: T | undefined;
      try {
        value = decode(key, got.body);
      } catch (err) {
        opts.onInvalid?.(key, err as Error);
        value = undefined;
      }
      kept.set(key, value === undefined ? { etag: got.etag } : { etag: got.etag, value });
    },
    value: (key) => kept.get(key)?.value,
    keys: () => kept.keys(),
    forget: (key) => void kept.delete(key),
  };
}
