import { readFile, stat } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { KubeApiError, KubeTransportError, tlsErrorCode } from './kube-errors.js';
import type { KubeAuthOptions, KubeCluster, KubeConfigSource, KubeUser } from './kube-config.js';
import { invalidKubeConfig, noCurrentCluster } from './request-timeout.js';

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
 * kept in one keep-alive agent, rebuilt when those files change (checked at
 * most every minute: CAs and client certificates rotate) and after a TLS
 * verification failure; bearer tokens, token files (read again every minute:
 * projected service-account tokens rotate), basic auth and impersonation are
 * applied here; exec plugins and auth providers (`kc.applyAuthorization`), and
 * a cluster's `proxy-url` (`kc.applyToHTTPSOptions`), are client-node's,
 * loaded then. Every request, reading the answer included, is aborted after
 * `timeoutMs` with an error named `AbortError`. A failed TLS verification, or
 * a 2xx answer that is not JSON, is a {@link KubeTransportError}. Throws
 * stalled `InvalidKubeConfig` when `kc` names no current cluster or a server
 * it cannot use (plain HTTP without insecure-skip-tls-verify, no URL).
 */
export function createKubeHttp(kc: KubeConfigSource, timeoutMs: number): KubeHttp {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw noCurrentCluster(kc);
  const user = kc.getCurrentUser();
  const base = serverOf(kc, cluster);
  const secure = base.startsWith('https:');
  const pool = agentPool(kc, cluster, user, secure);
  const headersOf = authHeaders(kc, user);
  return async <T>(req: KubeRequest): Promise<T> => {
    const headers: OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': 'driftless', ...(await headersOf()) };
    if (req.body !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';
    const agent = await pool.get();
    const answer = await send(`${base}${req.path}${queryOf(req.query)}`, { method: req.method, headers, agent }, req.body, timeoutMs, secure).catch((err: unknown) => {
      const tls = tlsErrorCode(err);
      if (!tls) throw err;
      pool.drop(agent); // the CA or certificate may have been renewed: read them again at the next request
      throw new KubeTransportError(`TLS verification of ${base} failed: ${tls}`, { cause: err });
    });
    if (answer.status < 200 || answer.status > 299) throw new KubeApiError(answer.status, answer.text);
    try {
      return (answer.text === '' ? undefined : JSON.parse(answer.text)) as T;
    } catch (err) {
      throw new KubeTransportError(`${base} answered HTTP ${answer.status} with a body that is not JSON (a proxy in between?): ${JSON.stringify(answer.text.slice(0, 80))}`, { cause: err });
    }
  };
}

/** The cluster's server URL, without trailing slashes; one without a scheme is https, as client-go reads it. */
function serverOf(kc: KubeConfigSource, cluster: KubeCluster): string {
  const server = cluster.server.replace(/\/+$/, '');
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
  const named = `cluster ${JSON.stringify(cluster.name)}'s server ${JSON.stringify(cluster.server)}`;
  if (!URL.canParse(url)) throw invalidKubeConfig(kc, `${named} is not a URL`);
  if (url.startsWith('http://') && !cluster.skipTLSVerify) throw invalidKubeConfig(kc, `${named} is plain HTTP, which needs insecure-skip-tls-verify: true`);
  if (!url.startsWith('https://') && !url.startsWith('http://')) throw invalidKubeConfig(kc, `${named} is neither https nor http`);
  return url;
}

function queryOf(query: KubeRequest['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

const TLS_FILES_RECHECK_MS = 60_000;

/**
 * The keep-alive agent, built on first use from the TLS files' contents.
 * Their modification times are checked at most every minute; when one
 * changed, or after `drop`, the next request builds a new agent from what the
 * files hold then, and the old one closes its connections as they go idle.
 */
function agentPool(kc: KubeConfigSource, cluster: KubeCluster, user: KubeUser | null, secure: boolean): { get(): Promise<HttpAgent>; drop(agent: HttpAgent): void } {
  const files = [cluster.caFile, user?.certFile, user?.keyFile].filter((f): f is string => f !== undefined);
  const stampOf = async (): Promise<string> => (await Promise.all(files.map(async (f) => stat(f).then((s) => `${s.mtimeMs}/${s.size}/${s.ino}`, () => 'missing')))).join(' ');
  interface Entry {
    readonly agent: Promise<HttpAgent>;
    readonly stamp: Promise<string>;
    built?: HttpAgent;
    checkedAt: number;
  }
  let current: Entry | undefined;
  const drop = (): void => {
    void current?.agent.then(retire, () => undefined);
    current = undefined;
  };
  return {
    async get() {
      const held = current;
      if (held && files.length > 0 && performance.now() - held.checkedAt > TLS_FILES_RECHECK_MS) {
        held.checkedAt = performance.now();
        if ((await stampOf()) !== (await held.stamp) && current === held) drop();
      }
      if (!current) {
        // Stamped before reading, so that a file changed while it is read is read again at the next check.
        const entry: Entry = { stamp: stampOf(), agent: Promise.resolve().then(() => agentFor(kc, cluster, user, secure)), checkedAt: performance.now() };
        current = entry;
        entry.agent.then(
          (agent) => {
            entry.built = agent;
          },
          () => {
            if (current === entry) current = undefined; // a missing file may appear later: read again at the next request
          },
        );
      }
      return await current.agent;
    },
    drop(agent) {
      if (current?.built === agent) drop();
    },
  };
}

/** Closes `agent`'s connections once no request uses them. */
function retire(agent: HttpAgent): void {
  for (const sockets of Object.values(agent.freeSockets ?? {})) for (const socket of sockets ?? []) socket.destroy();
  agent.on('free', (socket: Socket) => socket.destroy());
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
  if (!kc.applyToHTTPSOptions) throw invalidKubeConfig(kc, `cluster ${JSON.stringify(kc.getCurrentCluster()?.name)} names a proxy-url, which this kubeconfig source cannot reach`);
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
  if (user?.exec || provider) return pluginHeaders(kc, user, fixed);
  return () => Promise.resolve(fixed);
}

/**
 * The headers of an exec plugin or auth provider, run by client-node. Only
 * the credentials are asked for (`applyAuthorization`: no TLS files read, no
 * agent built per request); `applyToHTTPSOptions` is the fallback for a
 * source without it (client-node's own KubeConfig, in tests and tools).
 */
function pluginHeaders(kc: KubeConfigSource, user: KubeUser | null, fixed: OutgoingHttpHeaders): () => Promise<OutgoingHttpHeaders> {
  const name = JSON.stringify(user?.name);
  const authorize = kc.applyAuthorization?.bind(kc);
  const apply = authorize ?? kc.applyToHTTPSOptions?.bind(kc);
  if (!apply) throw invalidKubeConfig(kc, `user ${name} needs an exec plugin or auth provider, which this kubeconfig source cannot run`);
  return async () => {
    const opts: KubeAuthOptions = { headers: {} };
    await apply(opts);
    // Without the certificate the server would answer 401, saying nothing of why.
    if (authorize && (opts.cert || opts.key)) throw invalidKubeConfig(kc, `user ${name}: its exec plugin returned a client certificate, which the agent does not support (tokens only)`);
    return { ...fixed, ...(opts.headers as OutgoingHttpHeaders) };
  };
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
