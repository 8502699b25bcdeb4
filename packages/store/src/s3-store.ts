import {
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import {
  DriftlessError,
  networkErrorCode,
  type GetOptions,
  type GetResult,
  type ListOptions,
  type ListPage,
  type ObjectStore,
  type PutIfAbsentResult,
  type PutOptions,
  type PutResult,
  type RequestOptions,
  type Clock,
  type Rng,
} from '@driftless/core';
import { createHash } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { assertValidKey, assertValidPrefix } from '@driftless/core';
import { createS3Get } from './s3-get.js';
import { tooLargeObject } from './limits.js';

/** How to reach a bucket; everything but `bucket` has a default. */
export interface S3StoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket, without a trailing `/`; default none. */
  readonly prefix?: string;
  /** S3-compatible endpoint (MinIO, R2, …); when set, path-style addressing is used. */
  readonly endpoint?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Static credentials; default: the AWS SDK's standard credential chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Attempts per request, first included; retries use exponential backoff with full jitter. Default 5. */
  readonly maxAttempts?: number;
  /** Keep-alive connections per host at most. Default 64. */
  readonly maxSockets?: number;
  /** Per-attempt timeout, ms: the whole request and response, and the longest a socket may stay idle. Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Per-attempt limit on opening a connection (TCP connect), ms, so an endpoint that drops packets fails fast. Default 5 000. */
  readonly connectTimeoutMs?: number;
  /**
   * Time for GET backoff pauses and request signing; default the system clock.
   * A clock far from the server's (a virtual one) is corrected from the
   * server's Date header after one RequestTimeTooSkewed, as real skew is.
   */
  readonly clock?: Clock;
  /** Jitter of GET backoff pauses and write-conflict retries; default Math.random. */
  readonly rng?: Rng;
}

/** An ObjectStore that owns an S3 client; `destroy` closes its connections. */
export interface S3ObjectStore extends ObjectStore {
  destroy(): void;
}

/** Default per-attempt connect timeout, ms: the SDK client's and the lean GET's. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Conditional writes that S3 answers 409 (another conditional write in flight) are retried this often. */
const CONFLICT_RETRIES = 5;

/**
 * The ObjectStore over S3 (or anything speaking its API) with @aws-sdk/client-s3;
 * `get` (the agent's poll and blob reads) is a SigV4-signed GET without the
 * SDK's middleware stack, with the same credentials, limits and retries (see
 * createS3Get). The SDK's standard retry strategy (and the GET's, built the
 * same way) retries 5xx, 429/SlowDown, timeouts and network errors with
 * exponential backoff, full jitter and a retry token bucket, and never other 4xx;
 * connections are kept alive in a bounded pool; every call takes an AbortSignal.
 * Not-found, not-modified, exists and conflict are values; failures are
 * `StoreUnavailable` (transient, retries exhausted) or `StoreRefused` (stalled).
 */
export function createS3Store(opts: S3StoreOptions): S3ObjectStore {
  const client = createS3Client(opts);
  const rng = opts.rng ?? { next: Math.random };
  const Bucket = opts.bucket;
  // Reads (the agent's poll every interval, and its blob reads) skip the SDK's middleware stack.
  const lean = createS3Get({
    client,
    bucket: Bucket,
    maxAttempts: opts.maxAttempts ?? 5,
    maxSockets: opts.maxSockets ?? 64,
    requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
    connectTimeoutMs: opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    clock: opts.clock ?? systemClock,
    rng,
  });
  let bucketChecked: Promise<boolean> | undefined;
  const bucketExists = (): Promise<boolean> =>
    (bucketChecked ??= client.send(new HeadBucketCommand({ Bucket })).then(
      () => true,
      (err: unknown) => {
        bucketChecked = undefined;
        return statusOf(err) === 404 ? false : Promise.reject(err instanceof Error ? err : new Error(String(err)));
      },
    ));
  const base = opts.prefix ? `${opts.prefix.replace(/\/+$/, '')}/` : '';
  const full = (key: string): string => `${base}${key}`;

  const conditionalPut = async (
    op: string,
    key: string,
    input: Omit<PutObjectCommandInput, 'Bucket' | 'Key' | 'Body'>,
    body: Uint8Array,
    o: PutOptions,
  ): Promise<{ etag: string } | 'precondition-failed'> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await client.send(
          new PutObjectCommand({ Bucket, Key: full(key), Body: body, ContentType: o.contentType ?? 'application/octet-stream', ...input }),
          aborts(o.signal),
        );
        return { etag: res.ETag ?? '' };
      } catch (err) {
        const status = statusOf(err);
        if (status === 412 || (isNoSuchKey(err) && input.IfMatch !== undefined)) {
          // After a retry (or our own 409 retry), the 412 may answer our own earlier
          // attempt, which landed although its response was lost: if the object now
          // holds exactly our bytes, the write succeeded.
          const retried = attempt > 0 || ((err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1;
          if (retried) {
            const now = await client
              .send(new HeadObjectCommand({ Bucket, Key: full(key) }), aborts(o.signal))
              .catch(() => undefined);
            if (now?.ETag === `"${createHash('md5').update(body).digest('hex')}"`) return { etag: now.ETag };
          }
          return 'precondition-failed';
        }
        if (status === 409 && attempt < CONFLICT_RETRIES) {
          await pause(2 ** attempt * 20, rng, o.signal);
          continue;
        }
        throw translate(err, op, key);
      }
    }
  };

  return {
    async get(key: string, o: GetOptions = {}): Promise<GetResult> {
      assertValidKey(key);
      try {
        const got = await lean.get(full(key), o);
        if (got.kind === 'too-large') throw tooLargeObject(key, o.maxBytes ?? 0);
        return got;
      } catch (err) {
        if (err instanceof DriftlessError) throw err;
        throw translate(err, 'get', key);
      }
    },

    async head(key: string, o: RequestOptions = {}) {
      assertValidKey(key);
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket, Key: full(key) }), aborts(o.signal));
        return { etag: res.ETag ?? '', size: res.ContentLength ?? 0, modifiedMs: res.LastModified?.getTime() ?? 0 };
      } catch (err) {
        // A HEAD error has no body, so a missing key and a missing bucket both say 404:
        // ask the bucket once to tell them apart.
        if (statusOf(err) === 404 && (await bucketExists())) return undefined;
        throw translate(err, 'head', key);
      }
    },

    async putIfAbsent(key: string, body: Uint8Array, o: PutOptions = {}): Promise<PutIfAbsentResult> {
      assertValidKey(key);
      const res = await conditionalPut('put-if-absent', key, { IfNoneMatch: '*' }, body, o);
      return res === 'precondition-failed' ? { kind: 'exists' } : { kind: 'created', etag: res.etag };
    },

    async put(key: string, body: Uint8Array, o: PutOptions & { ifMatch?: string } = {}): Promise<PutResult> {
      assertValidKey(key);
      const res = await conditionalPut('put', key, o.ifMatch === undefined ? {} : { IfMatch: o.ifMatch }, body, o);
      return res === 'precondition-failed' ? { kind: 'conflict' } : { kind: 'written', etag: res.etag };
    },

    async list(prefix: string, o: ListOptions = {}): Promise<ListPage> {
      assertValidPrefix(prefix);
      try {
        const res = await client.send(
          new ListObjectsV2Command({
            Bucket,
            Prefix: full(prefix),
            MaxKeys: Math.min(o.pageSize ?? 1000, 1000),
            ...(o.pageToken ? { ContinuationToken: o.pageToken } : {}),
          }),
          aborts(o.signal),
        );
        const listed = (res.Contents ?? []).flatMap((c) => (c.Key ? [c] : []));
        const keys = listed.map((c) => (c.Key ?? '').slice(base.length));
        // ListObjectsV2 carries each ETag in the same quoted form GET and HEAD answer.
        const etags = listed.map((c) => c.ETag ?? '');
        return res.IsTruncated && res.NextContinuationToken ? { keys, etags, nextPageToken: res.NextContinuationToken } : { keys, etags };
      } catch (err) {
        throw translate(err, 'list', prefix);
      }
    },

    async delete(key: string, o: RequestOptions = {}): Promise<void> {
      assertValidKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: full(key) }), aborts(o.signal));
      } catch (err) {
        if (isNoSuchKey(err)) return;
        throw translate(err, 'delete', key);
      }
    },

    destroy() {
      lean.destroy();
      client.destroy();
    },
  };
}

/** The SDK client a store built with `opts` uses (exported for tests: the lean GET must match what it would send). */
export function createS3Client(opts: S3StoreOptions): S3Client {
  return new S3Client({
    region: opts.region ?? 'us-east-1',
    ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    maxAttempts: opts.maxAttempts ?? 5,
    retryMode: 'standard',
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: opts.maxSockets ?? 64 },
      httpsAgent: { keepAlive: true, maxSockets: opts.maxSockets ?? 64 },
      connectionTimeout: opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
      // Without this the SDK only logs a request past requestTimeout and goes on
      // waiting: a connection that never answers would hold the caller for ever.
      throwOnRequestTimeout: true,
      // And a response whose body stops half way: idle that long, the socket goes.
      socketTimeout: opts.requestTimeoutMs ?? 30_000,
    },
  });
}

/** A missing object (not a missing bucket, which is a configuration error). */
function isNoSuchKey(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return statusOf(err) === 404 && name !== 'NoSuchBucket';
}

/**
 * Errors without an HTTP status are transient only when the network failed (a
 * Node error code anywhere in the error's chain: a lost response is ECONNRESET)
 * or the SDK's own connection or socket timeout fired (named `TimeoutError`,
 * without a code); anything else (no credentials, no region, a malformed
 * endpoint) needs a human.
 */
function isNetworkError(err: unknown): boolean {
  return networkErrorCode(err) !== undefined || (err as Error | undefined)?.name === 'TimeoutError';
}

function statusOf(err: unknown): number | undefined {
  if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode;
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode;
}

/** SDK error -> DriftlessError, at the edge. Aborts pass through untouched. */
function translate(err: unknown, operation: string, key: string): unknown {
  if ((err as Error | undefined)?.name === 'AbortError') return err;
  const status = statusOf(err);
  const name = (err as Error | undefined)?.name ?? 'Error';
  const cause = `${name}${status ? ` (HTTP ${status})` : ''}: ${(err as Error | undefined)?.message ?? String(err)}`;
  const transient = status === undefined ? isNetworkError(err) : status >= 500 || status === 429 || status === 408;
  const code = transient ? 'StoreUnavailable' : 'StoreRefused';
  return new DriftlessError(code, `s3 ${operation} ${key} failed: ${cause}`, { operation, key, ...(status ? { status } : {}) }, { cause: err });
}

async function pause(ms: number, rng: Rng, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  // Full jitter, so writers that collided do not collide again in step.
  await new Promise((resolve) => setTimeout(resolve, rng.next() * ms));
}

/**
 * Real time (the store may not depend on @driftless/clock, DESIGN.md): sleep
 * ends early, without an error, when `signal` aborts.
 */
const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, signal ? { signal } : {}).catch(() => undefined),
};

function aborts(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
