import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { networkErrorCode, type GetOptions, type GetResult } from '@driftless/core';
import { SignatureV4 } from '@smithy/signature-v4';

/** What {@link createS3Get} needs: the SDK client it shares credentials, hashing and endpoint rules with, and the store's limits. */
export interface S3GetOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly maxAttempts: number;
  readonly maxSockets: number;
  readonly requestTimeoutMs: number;
}

/** A GET's failure as the SDK would have shaped it (name, HTTP status in `$metadata`), for the store's one translation. */
export type S3GetFailure = Error & { readonly $metadata?: { readonly httpStatusCode: number } };

/** One signed GET of a full key (prefix included); failures are thrown as {@link S3GetFailure} or the network's own error. */
export interface S3Get {
  get(fullKey: string, o: GetOptions): Promise<GetResult | { readonly kind: 'too-large' }>;
  destroy(): void;
}

/** Longest backoff before a retry, ms (the SDK's standard strategy caps at the same). */
const MAX_BACKOFF_MS = 20_000;
const BASE_BACKOFF_MS = 100;
/** A signature this far off the server's clock is refused: the clock offset is learnt from its Date header. */
const SKEW_MS = 5 * 60_000;

/**
 * GetObject without the SDK's middleware stack: the agent polls its pointer
 * every interval and the stack (serde schemas, endpoint rules, retry tokens,
 * checksum and user-agent middleware) cost three times the CPU of the request
 * itself (bench/RESULTS.md, "Agent: CPU per idle poll"). It keeps what the
 * SDK gave: the client's own credential chain, hash and endpoint rules
 * (resolved once), SigV4 signing with the SDK's signer, keep-alive
 * connections in a bounded pool, a per-attempt timeout over the whole
 * request and response (and socket idleness), the caller's AbortSignal,
 * retries of 5xx, 429, timeouts and network errors with exponential backoff
 * and full jitter, and clock-skew correction.
 */
export function createS3Get(opts: S3GetOptions): S3Get {
  const { client, requestTimeoutMs } = opts;
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);
  const signer = new SignatureV4({ service: 's3', region: opts.region, credentials: client.config.credentials, sha256: client.config.sha256, uriEscapePath: false, applyChecksum: false });
  let skewMs = 0;
  const bucketUrl = bucketUrlOf(opts);

  const once = async (fullKey: string, o: GetOptions): Promise<Answer> => {
    const at = await bucketUrl();
    const path = `${at.pathname.replace(/\/$/, '')}/${fullKey.split('/').map(escapeSegment).join('/')}`;
    const headers: Record<string, string> = { host: at.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...(o.ifNoneMatch ? { 'if-none-match': o.ifNoneMatch } : {}) };
    const port = at.port ? Number(at.port) : undefined;
    const signed = await signer.sign(
      { method: 'GET', protocol: at.protocol, hostname: at.hostname, ...(port ? { port } : {}), path, query: {}, headers },
      { signingDate: new Date(Date.now() + skewMs) },
    );
    const secure = at.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return exchange(() => send({ host: at.hostname.replace(/^\[(.*)\]$/, '$1'), port, path, method: 'GET', headers: signed.headers, agent: secure ? https : http }), requestTimeoutMs, o);
  };

  return {
    async get(fullKey, o) {
      for (let attempt = 1; ; attempt++) {
        if (o.signal?.aborted) throw abortError(o.signal);
        let answer: Answer;
        try {
          answer = await once(fullKey, o);
        } catch (err) {
          if (o.signal?.aborted || attempt >= opts.maxAttempts || !retryableNetwork(err)) throw err;
          await backoff(attempt, o.signal);
          continue;
        }
        const { status } = answer;
        if (status === 200) return { kind: 'found', body: answer.body, etag: answer.etag };
        if (status === 304) return { kind: 'not-modified' };
        if (status === 413) return { kind: 'too-large' };
        const failure = failureOf(answer);
        if (status === 404 && failure.name !== 'NoSuchBucket') return { kind: 'not-found' };
        const skewed = answer.date !== undefined && Math.abs(answer.date - (Date.now() + skewMs)) > SKEW_MS;
        if (skewed && status === 403 && attempt === 1 && answer.date !== undefined) {
          skewMs = answer.date - Date.now();
          continue;
        }
        if (attempt >= opts.maxAttempts || !(status >= 500 || status === 429)) throw failure;
        await backoff(attempt, o.signal);
      }
    },
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}

/**
 * The bucket's base URL by the client's own endpoint rules (virtual-hosted on
 * AWS, path-style on a custom endpoint), resolved on first use and kept; a
 * failed resolution is tried again next time.
 */
function bucketUrlOf(opts: S3GetOptions): () => Promise<URL> {
  const { client } = opts;
  let base: Promise<URL> | undefined;
  return () =>
    (base ??= (async () => {
      const endpoint = client.config.endpointProvider({
        Bucket: opts.bucket,
        Region: opts.region,
        ...(opts.endpoint ? { Endpoint: opts.endpoint } : {}),
        ForcePathStyle: opts.endpoint !== undefined,
        UseFIPS: await client.config.useFipsEndpoint(),
        UseDualStack: await client.config.useDualstackEndpoint(),
        Accelerate: false,
      });
      return new URL(endpoint.url.href);
    })().catch((err: unknown) => {
      base = undefined;
      throw err;
    }));
}

/** One attempt's answer: its status, ETag, Date (ms) and body (empty unless 200, or an S3 error document). */
interface Answer {
  readonly status: number;
  readonly etag: string;
  readonly date: number | undefined;
  readonly body: Uint8Array;
}

/**
 * Sends a request and reads its answer within `timeoutMs` (the whole
 * exchange; also the longest the socket may stay idle). A body over
 * `o.maxBytes` is not read: the answer says 413. The caller's abort rejects
 * with its AbortError; a timeout with an Error named `TimeoutError`.
 */
function exchange(send: () => ReturnType<typeof httpRequest>, timeoutMs: number, o: GetOptions): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    // Aborted while the request was being signed: nothing is sent.
    if (o.signal?.aborted) {
      reject(abortError(o.signal));
      return;
    }
    const req = send();
    // Destroying the request or response emits their errors synchronously: only the first outcome counts.
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      req.destroy();
      reject(err);
    };
    const answer = (a: Answer): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(a);
    };
    const timeout = (): void => fail(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' }));
    const timer = setTimeout(timeout, timeoutMs);
    const onAbort = (): void => fail(abortError(o.signal));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    req.setTimeout(timeoutMs, timeout);
    req.once('error', fail);
    req.once('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const etag = header(res, 'etag');
      const dated = header(res, 'date');
      const date = dated ? Date.parse(dated) : undefined;
      const length = Number(header(res, 'content-length') || Number.NaN);
      if (status === 200 && o.maxBytes !== undefined && length > o.maxBytes) {
        answer({ status: 413, etag, date, body: new Uint8Array(0) });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (status === 200 && o.maxBytes !== undefined && size > o.maxBytes) {
          answer({ status: 413, etag, date, body: new Uint8Array(0) });
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.once('error', fail);
      res.once('aborted', () => fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      res.once('end', () => {
        const body = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
        answer({ status, etag, date, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) });
      });
    });
    req.end();
  });
}

function header(res: IncomingMessage, name: string): string {
  const value = res.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** The S3 error document's Code and Message as the error's name and message, the status in `$metadata`. */
function failureOf(answer: Answer): S3GetFailure {
  const text = new TextDecoder().decode(answer.body);
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP${answer.status}`;
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? 'no error document';
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: answer.status } });
}

/** Network failures and timeouts are retried; an abort or anything without a network cause is not. */
function retryableNetwork(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'TimeoutError' || networkErrorCode(err) !== undefined;
}

/**
 * The error an abort rejects with: named AbortError whatever the signal's
 * reason (kept as its cause), as the SDK's are, so the store passes it
 * through untouched rather than taking it for a store failure.
 */
function abortError(signal: AbortSignal | undefined): Error {
  return Object.assign(new Error('the request was aborted', { cause: signal?.reason }), { name: 'AbortError' });
}

/** Exponential backoff with full jitter, so agents that failed together do not retry in step. */
async function backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = Math.random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted(): void {
      clearTimeout(timer);
      reject(abortError(signal));
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** RFC 3986 escaping of one key segment, as SigV4 signs it (encodeURIComponent leaves !'()* alone). */
function escapeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
