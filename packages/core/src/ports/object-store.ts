/**
 * The object store, as the hub and agents need it: S3, a directory, or memory.
 * Keys are `/`-separated paths relative to the store's prefix (see storeLayout).
 * No key is a prefix directory of another (`a` and `a/b`): some S3-compatible
 * servers (MinIO) cannot list both. ETags are opaque strings: compare them,
 * never parse them.
 *
 * Not-found is a value, never an error. Failures are DriftlessErrors:
 * `StoreUnavailable` (transient; the adapter already retried with backoff) or
 * `StoreRefused` (stalled: access denied, missing bucket, bad key).
 */
export interface ObjectStore {
  /**
   * Reads `key`. With `ifNoneMatch` (the ETag a previous read returned), an
   * unchanged object answers `not-modified` without its bytes.
   */
  get(key: string, opts?: GetOptions): Promise<GetResult>;
  /** ETag, size (bytes) and last write time of `key`, or undefined when it does not exist. */
  head(key: string, opts?: RequestOptions): Promise<HeadResult | undefined>;
  /**
   * Writes `key` only if it does not exist (S3 `If-None-Match: *`). When many
   * writers race, exactly one gets `created` and the stored bytes are its bytes.
   */
  putIfAbsent(key: string, body: Uint8Array, opts?: PutOptions): Promise<PutIfAbsentResult>;
  /**
   * Writes `key`. With `ifMatch`, only if its current ETag is that one
   * (compare-and-swap, S3 `If-Match`); a changed or missing object answers
   * `conflict` and nothing is written. Without it, writes unconditionally.
   */
  put(key: string, body: Uint8Array, opts?: PutOptions & { ifMatch?: string }): Promise<PutResult>;
  /**
   * One page of the keys under `prefix`, in lexicographic order; pass
   * `nextPageToken` back as `pageToken` for the next page (absent on the last).
   */
  list(prefix: string, opts?: ListOptions): Promise<ListPage>;
  /** Deletes `key`; deleting a missing key succeeds. */
  delete(key: string, opts?: RequestOptions): Promise<void>;
}

export interface RequestOptions {
  /** Aborts the request (and its retries). */
  readonly signal?: AbortSignal;
}

export interface GetOptions extends RequestOptions {
  readonly ifNoneMatch?: string;
  /**
   * Refuse an object larger than this many bytes with a stalled `TooLarge`
   * error, before its content is read into memory.
   */
  readonly maxBytes?: number;
}

export interface PutOptions extends RequestOptions {
  /** Content-Type to store; default `application/octet-stream`. */
  readonly contentType?: string;
}

export interface ListOptions extends RequestOptions {
  readonly pageToken?: string;
  /** At most this many keys per page; default and maximum 1,000. */
  readonly pageSize?: number;
}

export interface HeadResult {
  readonly etag: string;
  readonly size: number;
  /** When the current content was written, ms since the epoch. */
  readonly modifiedMs: number;
}

export type GetResult =
  | { readonly kind: 'found'; readonly body: Uint8Array; readonly etag: string }
  | { readonly kind: 'not-modified' }
  | { readonly kind: 'not-found' };

export type PutIfAbsentResult = { readonly kind: 'created'; readonly etag: string } | { readonly kind: 'exists' };

export type PutResult = { readonly kind: 'written'; readonly etag: string } | { readonly kind: 'conflict' };

export interface ListPage {
  readonly keys: readonly string[];
  /**
   * Each key's ETag, parallel to `keys`, equal to what get/head return for it
   * then, when the adapter learns them with the listing (S3 ListObjectsV2,
   * memory, and the file store, from a mark per version; a file-store version
   * written before marks existed costs one read, once). An adapter may leave
   * them out: callers then fall back to conditional GETs.
   */
  readonly etags?: readonly string[];
  readonly nextPageToken?: string;
}

/** Every key under `prefix`, page by page, in lexicographic order. */
export async function* listAll(store: ObjectStore, prefix: string, opts: RequestOptions = {}): AsyncGenerator<string> {
  let pageToken: string | undefined;
  do {
    const page = await store.list(prefix, { ...opts, ...(pageToken === undefined ? {} : { pageToken }) });
    yield* page.keys;
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
}
