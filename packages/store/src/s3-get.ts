import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { networkErrorCode, type Clock, type GetOptions, type GetResult, type Rng } from '@driftless/core';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { SignatureV4 } from '@smithy/signature-v4';
import { abortError, exchange, type Answer } from './s3-get-exchange.js';
import { createRetryBudget, retryCauseOf, retryCost, retryDelayMs, type RetryCause } from './s3-get-retry.js';

/** What {@link createS3Get} needs: the SDK client it shares credentials, hashing, endpoint and signing rules with, and the store's limits. */
export interface S3GetOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly maxAttempts: number;
  readonly maxSockets: number;
  readonly requestTimeoutMs: number;
  /** Per-attempt limit on a new connection's TCP connect, ms. */
  readonly connectTimeoutMs: number;
  /** Backoff pauses and the signing time (corrected for skew). */
  readonly clock: Clock;
  /** Backoff jitter. */
  readonly rng: Rng;
}

/** A GET's failure as the SDK would have shaped it (name, HTTP status in `$metadata`), for the store's one translation. */
export type S3GetFailure = Error & { readonly $metadata?: { readonly httpStatusCode: number } };

/** One signed GET of a full key (prefix included); failures are thrown as {@link S3GetFailure} or the network's own error. */
export interface S3Get {
  get(fullKey: string, o: GetOptions): Promise<GetResult | { readonly kind: 'too-large' }>;
  destroy(): void;
}

/** A GET ready to send: where, and its signed headers. */
export interface SignedGet {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number | undefined;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A signature this far off the server's clock is refused: the clock offset is learnt from its Date header. */
const SKEW_MS = 5 * 60_000;

/**
 * GetObject without the SDK's middleware stack: the agent polls its pointer
 * every interval and the stack (serde schemas, endpoint rules, retry tokens,
 * checksum and user-agent middleware) cost three times the CPU of the request
 * itself (bench/RESULTS.md, "Agent: CPU per idle poll"). It keeps what the
 * SDK gave: the client's credential chain (session tokens included), hash,
 * endpoint and signing rules (resolved once, see {@link createGetSigner}),
 * keep-alive connections in a bounded pool, a per-attempt timeout over the
 * whole request and response (and socket idleness) and one on connecting, the caller's
 * AbortSignal, retries of 5xx, 429, timeouts and network errors with
 * exponential backoff, full jitter and a retry budget shared by the store's
 * calls (see createRetryBudget), and clock-skew correction.
 */
export function createS3Get(opts: S3GetOptions): S3Get {
  const { clock, rng } = opts;
  const timeouts = { requestMs: opts.requestTimeoutMs, connectMs: opts.connectTimeoutMs };
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);
  const budget = createRetryBudget();
  let skewMs = 0;
  const sign = createGetSigner(opts.client, opts.bucket, () => clock.now() + skewMs);

  const once = async (fullKey: string, o: GetOptions): Promise<Answer> => {
    const req = await sign(fullKey, o.ifNoneMatch);
    const secure = req.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const host = req.hostname.replace(/^\[(.*)\]$/, '$1');
    return exchange(() => send({ host, port: req.port, path: req.path, method: 'GET', headers: req.headers, agent: secure ? https : http }), timeouts, o);
  };
  // Another attempt after `cause`, if attempts and the budget allow: pauses first (false: give up).
  const retry = async (attempt: number, cause: RetryCause, o: GetOptions): Promise<boolean> => {
    if (attempt >= opts.maxAttempts || !budget.take(cause)) return false;
    await clock.sleep(retryDelayMs(attempt, cause, rng), o.signal);
    if (o.signal?.aborted) throw abortError(o.signal);
    return true;
  };

  return {
    async get(fullKey, o) {
      let spent = 0;
      for (let attempt = 1; ; attempt++) {
        if (o.signal?.aborted) throw abortError(o.signal);
        let answer: Answer;
        try {
          answer = await once(fullKey, o);
        } catch (err) {
          if (o.signal?.aborted || !retryableNetwork(err) || !(await retry(attempt, 'timeout', o))) throw err;
          spent += retryCost('timeout');
          continue;
        }
        const { status } = answer;
        if (status === 200 || status === 304) budget.succeeded(spent);
        if (status === 200) return { kind: 'found', body: answer.body, etag: answer.etag };
        if (status === 304) return { kind: 'not-modified' };
        if (status === 413) return { kind: 'too-large' };
        const failure = failureOf(answer);
        if (status === 404 && failure.name !== 'NoSuchBucket') return { kind: 'not-found' };
        const skewed = answer.date !== undefined && Math.abs(answer.date - (clock.now() + skewMs)) > SKEW_MS;
        if (skewed && status === 403 && attempt === 1 && answer.date !== undefined) {
          skewMs = answer.date - clock.now();
          continue;
        }
        const cause = retryCauseOf(status, failure.name);
        if (!cause || !(await retry(attempt, cause, o))) throw failure;
        spent += retryCost(cause);
      }
    },
    destroy() {
      http.destroy();
      https.destroy();
    },
  };
}

/**
 * Signs GETs of one bucket as `client` would send GetObject: the endpoint
 * (URL style: virtual-hosted or path-style, custom endpoint and its base
 * path, FIPS, dual-stack) and the signing region and name come from the
 * SDK's own endpoint resolution for GetObjectCommand with the client's
 * configuration (e.g. region `aws-global` signs for us-east-1), resolved on
 * first use and kept (a failed resolution is tried again next time). The
 * credentials are the client's provider, so a session token is sent as
 * x-amz-security-token. An endpoint that asks for another auth scheme
 * (S3 Express directory buckets, multi-region access points) is refused:
 * this signer speaks SigV4 only. `now` is the signing time, ms.
 */
export function createGetSigner(client: S3Client, bucket: string, now: () => number): (fullKey: string, ifNoneMatch?: string) => Promise<SignedGet> {
  let target: Promise<{ url: URL; signer: SignatureV4 }> | undefined;
  const resolve = async (): Promise<{ url: URL; signer: SignatureV4 }> => {
    const endpoint = await getEndpointFromInstructions({ Bucket: bucket, Key: '' }, GetObjectCommand, client.config);
    const scheme = (endpoint.properties?.['authSchemes'] as { name?: string; signingRegion?: string; signingName?: string }[] | undefined)?.[0];
    if (scheme && scheme.name !== 'sigv4') {
      throw Object.assign(new Error(`bucket ${bucket} needs the ${String(scheme.name)} auth scheme; only SigV4 is supported`), { name: 'UnsupportedAuthScheme' });
    }
    const region = scheme?.signingRegion ?? (await client.config.region());
    const service = scheme?.signingName ?? 's3';
    const { credentials, sha256 } = client.config;
    return { url: new URL(endpoint.url.href), signer: new SignatureV4({ service, region, credentials, sha256, uriEscapePath: false, applyChecksum: false }) };
  };
  return async (fullKey, ifNoneMatch) => {
    const { url, signer } = await (target ??= resolve().catch((err: unknown) => {
      target = undefined;
      throw err;
    }));
    const path = `${url.pathname.replace(/\/$/, '')}/${fullKey.split('/').map(escapeSegment).join('/')}`;
    const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}) };
    const port = url.port ? Number(url.port) : undefined;
    const request = { method: 'GET', protocol: url.protocol, hostname: url.hostname, ...(port ? { port } : {}), path, query: {}, headers };
    const signed = await signer.sign(request, { signingDate: new Date(now()) });
    return { protocol: url.protocol, hostname: url.hostname, port, path, headers: signed.headers };
  };
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

/** RFC 3986 escaping of one key segment, as the SDK builds GetObject's path and SigV4 signs it (encodeURIComponent leaves !'()* alone). */
function escapeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
