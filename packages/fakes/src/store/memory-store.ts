import { createHash } from 'node:crypto';
import {
  assertValidKey,
  assertValidPrefix,
  DriftlessError,
  type GetOptions,
  type GetResult,
  type HeadResult,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutIfAbsentResult,
  type PutOptions,
  type PutResult,
  type Clock,
  type RequestOptions,
} from '@driftless/core';

/** The operations the memory store counts and can fault. */
export type StoreOperation = 'get' | 'head' | 'putIfAbsent' | 'put' | 'list' | 'delete';

/** Request counts, as a bench reports them. `bytesDown` counts bodies returned by `get`. */
export interface StoreCounters {
  get200: number;
  get304: number;
  get404: number;
  head: number;
  put: number;
  putRefused: number;
  list: number;
  delete: number;
  bytesDown: number;
  bytesUp: number;
}

/** Options of {@link MemoryObjectStore}. */
export interface MemoryStoreOptions {
  /**
   * Called before every operation; return `unavailable` (transient) or
   * `refused` (stalled) to make it fail as a real store would.
   */
  readonly fault?: (op: StoreOperation, key: string) => 'unavailable' | 'refused' | undefined;
  /** Awaited before every operation: a latency model (use a fake clock's sleep in simulations). */
  readonly latency?: (op: StoreOperation, key: string) => Promise<void>;
  /** Whose time `head`'s modification times are (e.g. a VirtualClock); default the wall clock. */
  readonly clock?: Pick<Clock, 'now'>;
}

interface Entry {
  readonly body: Uint8Array;
  readonly etag: string;
  readonly modifiedMs: number;
}

/**
 * An in-memory ObjectStore for unit tests and the bench's simulated clusters.
 * It passes the same contract suite as the S3 and filesystem adapters. ETags
 * are content hashes, so equal bytes have equal ETags, as with S3. Operations
 * are atomic (single-threaded JavaScript), so races resolve as on a real store:
 * exactly one of many racing put-if-absent or compare-and-swap writers wins.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly counters: StoreCounters = {
    get200: 0, get304: 0, get404: 0, head: 0, put: 0, putRefused: 0, list: 0, delete: 0, bytesDown: 0, bytesUp: 0,
  };
  private readonly objects = new Map<string, Entry>();

  constructor(private readonly opts: MemoryStoreOptions = {}) {}

  /** Number of stored objects. */
  get size(): number {
    return this.objects.size;
  }

  async get(key: string, o: GetOptions = {}): Promise<GetResult> {
    await this.enter('get', key, o);
    const cur = this.objects.get(key);
    if (!cur) {
      this.counters.get404 += 1;
      return { kind: 'not-found' };
    }
    if (o.ifNoneMatch !== undefined && o.ifNoneMatch === cur.etag) {
      this.counters.get304 += 1;
      return { kind: 'not-modified' };
    }
    if (o.maxBytes !== undefined && cur.body.byteLength > o.maxBytes) {
      throw new DriftlessError('TooLarge', `object ${key} read failed: it is larger than the limit of ${o.maxBytes} bytes`, {
        subject: key,
        limitBytes: o.maxBytes,
        what: 'object',
      });
    }
    this.counters.get200 += 1;
    this.counters.bytesDown += cur.body.byteLength;
    return { kind: 'found', body: Uint8Array.from(cur.body), etag: cur.etag };
  }

  async head(key: string, o: RequestOptions = {}): Promise<HeadResult | undefined> {
    await this.enter('head', key, o);
    this.counters.head += 1;
    const cur = this.objects.get(key);
    return cur ? { etag: cur.etag, size: cur.body.byteLength, modifiedMs: cur.modifiedMs } : undefined;
  }

  async putIfAbsent(key: string, body: Uint8Array, o: PutOptions = {}): Promise<PutIfAbsentResult> {
    await this.enter('putIfAbsent', key, o);
    if (this.objects.has(key)) {
      this.counters.putRefused += 1;
      return { kind: 'exists' };
    }
    return { kind: 'created', etag: this.store(key, body) };
  }

  async put(key: string, body: Uint8Array, o: PutOptions & { ifMatch?: string } = {}): Promise<PutResult> {
    await this.enter('put', key, o);
    if (o.ifMatch !== undefined && this.objects.get(key)?.etag !== o.ifMatch) {
      this.counters.putRefused += 1;
      return { kind: 'conflict' };
    }
    return { kind: 'written', etag: this.store(key, body) };
  }

  async list(prefix: string, o: ListOptions = {}): Promise<ListPage> {
    assertValidPrefix(prefix);
    await this.enter('list', prefix, o, false);
    this.counters.list += 1;
    const pageSize = Math.min(o.pageSize ?? 1000, 1000);
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (o.pageToken === undefined || k > o.pageToken))
      .sort();
    const page = keys.slice(0, pageSize);
    const etags = page.map((k) => this.objects.get(k)?.etag ?? '');
    const last = page[page.length - 1];
    return keys.length > pageSize && last !== undefined ? { keys: page, etags, nextPageToken: last } : { keys: page, etags };
  }

  async delete(key: string, o: RequestOptions = {}): Promise<void> {
    await this.enter('delete', key, o);
    this.counters.delete += 1;
    this.objects.delete(key);
  }

  private store(key: string, body: Uint8Array): string {
    const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
    this.objects.set(key, { body: Uint8Array.from(body), etag, modifiedMs: this.opts.clock ? this.opts.clock.now() : Date.now() });
    this.counters.put += 1;
    this.counters.bytesUp += body.byteLength;
    return etag;
  }

  private async enter(op: StoreOperation, key: string, o: RequestOptions, validate = true): Promise<void> {
    if (validate) assertValidKey(key);
    o.signal?.throwIfAborted();
    if (this.opts.latency) await this.opts.latency(op, key);
    o.signal?.throwIfAborted();
    const fault = this.opts.fault?.(op, key);
    if (fault) {
      const code = fault === 'unavailable' ? 'StoreUnavailable' : 'StoreRefused';
      throw new DriftlessError(code, `memory ${op} ${key} failed: injected ${fault} fault`, { operation: op, key });
    }
  }
}
