import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { KubeApiError } from './kube-errors.js';
import type { KubeCluster, KubeConfigSource, KubeUser } from './kube-config.js';
import { noCurrentCluster } from './request-timeout.js';

/** One request to the API server: `path` from the server's root (`/api/v1/...`), its body already JSON. */
export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: string;
  readonly contentType?: string;
}

/** Sends requests to one API server; a successful answer is its parsed JSON, a failed one a {@link KubeApiError}. */
export type KubeHttp = <T>(req: KubeRequest) => Promise<T>;

/**
 * Requests over node:http(s) to `kc`'s current cluster as its current user:
 * the TLS material (CA, client certificate and key, from files or data) is
 * read on the first request and kept in one keep-alive agent; bearer tokens,
 * token files (read again every minute: projected service-account tokens
 * rotate), basic auth and impersonation are applied here; exec plugins and
 * auth providers, and a cluster's `proxy-url`, are left to
 * `kc.applyToHTTPSOptions` (client-node, loaded then). Every request,
 * reading the answer included, is aborted after `timeoutMs` with an error
 * named `AbortError`. Throws stalled `InvalidKubeConfig` when `kc` names no
 * current cluster.
 */
export function createKubeHttp(kc: KubeConfigSource, timeoutMs: number): KubeHttp {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw noCurrentCluster(kc);
  const user = kc.getCurrentUser();
  const base = cluster.server.replace(/\/+$/, '');
  const secure = !base.startsWith('http:');
  let agent: Promise<HttpAgent> | undefined;
  const headersOf = authHeaders(kc, user);
  return async <T>(req: KubeRequest): Promise<T> => {
    if (!secure && !cluster.skipTLSVerify) throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
    agent ??= agentFor(kc, cluster, user, secure).catch((err: unknown) => {
      agent = undefined; // a missing file may appear later: read again at the next request
      throw err;
    });
    const headers: OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': 'driftless', ...(await headersOf()) };
    if (req.body !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';
    const answer = await send(`${base}${req.path}${queryOf(req.query)}`, { method: req.method, headers, agent: await agent }, req.body, timeoutMs, secure);
    if (answer.status < 200 || answer.status > 299) throw new KubeApiError(answer.status, answer.text);
    return (answer.text === '' ? undefined : JSON.parse(answer.text)) as T;
  };
}

function queryOf(query: KubeRequest['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function agentFor(kc: KubeConfigSource, cluster: KubeCluster, user: KubeUser | null, secure: boolean): Promise<HttpAgent> {
  if (cluster.proxyUrl) return await proxyAgent(kc);
  if (!secure) return new HttpAgent({ keepAlive: true });
  const [ca, cert, key] = await Promise.all([fileOrData(cluster.caFile, cluster.caData), fileOrData(user?.certFile, user?.certData), fileOrData(user?.keyFile, user?.keyData)]);
  return new HttpsAgent({
    keepAlive: true,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    // Unset unless the kubeconfig says so, leaving NODE_TLS_REJECT_UNAUTHORIZED its say, as client-node does.
    ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
    ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
  });
}

/** The agent client-node builds for a cluster behind `proxy-url` (HTTP or SOCKS), with the cluster's TLS material. */
async function proxyAgent(kc: KubeConfigSource): Promise<HttpAgent> {
  if (!kc.applyToHTTPSOptions) throw new Error('this kubeconfig names a proxy-url, which it cannot reach');
  const opts: { headers: Record<string, unknown>; agent?: unknown } = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  return opts.agent as HttpAgent;
}

async function fileOrData(file: string | undefined, data: string | undefined): Promise<Buffer | undefined> {
  if (file) return await readFile(file);
  return data ? Buffer.from(data, 'base64') : undefined;
}

const TOKEN_FILE_REREAD_MS = 60_000;

/** The headers that authenticate `user`, computed before each request. */
function authHeaders(kc: KubeConfigSource, user: KubeUser | null): () => Promise<OutgoingHttpHeaders> {
  const fixed: OutgoingHttpHeaders = {};
  if (user?.impersonateUser) fixed['Impersonate-User'] = user.impersonateUser;
  if (user?.username) fixed['Authorization'] = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
  if (user?.token) fixed['Authorization'] = `Bearer ${user.token}`;
  const provider = user?.authProvider as { name?: string; config?: { tokenFile?: string } } | undefined;
  const tokenFile = provider?.name === 'tokenFile' ? provider.config?.tokenFile : undefined;
  if (tokenFile) {
    let read: { at: number; token: string } | undefined;
    return async () => {
      if (!read || performance.now() - read.at > TOKEN_FILE_REREAD_MS) read = { at: performance.now(), token: (await readFile(tokenFile, 'utf8')).trim() };
      return { ...fixed, Authorization: `Bearer ${read.token}` };
    };
  }
  if (user?.exec || provider) {
    const apply = kc.applyToHTTPSOptions?.bind(kc);
    if (!apply) throw new Error(`kubeconfig user ${JSON.stringify(user?.name)} needs an exec plugin or auth provider, which this kubeconfig cannot run`);
    return async () => {
      const opts: { headers: Record<string, unknown> } = { headers: {} };
      await apply(opts);
      return { ...fixed, ...(opts.headers as OutgoingHttpHeaders) };
    };
  }
  return () => Promise.resolve(fixed);
}

/**
 * One request; the timeout's signal (AbortSignal.timeout, so tests can read
 * and shorten it) covers connecting, sending and reading the whole answer.
 */
function send(url: string, opts: { method: string; headers: OutgoingHttpHeaders; agent: HttpAgent }, body: string | undefined, timeoutMs: number, secure: boolean): Promise<{ status: number; text: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, opts, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        signal.removeEventListener('abort', abort);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    function fail(err: Error): void {
      signal.removeEventListener('abort', abort);
      reject(err);
    }
    // Not node:http's own `signal` option: once the answer has begun, it would end the answer quietly rather than fail it.
    function abort(): void {
      const err = Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'AbortError' });
      req.destroy(err);
      fail(err);
    }
    signal.addEventListener('abort', abort, { once: true });
    req.on('error', fail);
    req.end(body);
  });
}
