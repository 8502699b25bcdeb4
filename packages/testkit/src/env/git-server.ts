import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running smart-HTTP git server. */
export interface GitServer {
  /** `http://127.0.0.1:PORT/`; a repository `<root>/NAME.git` is at `<baseUrl>NAME.git`. */
  readonly baseUrl: string;
  /** Directory whose bare repositories are served. */
  readonly root: string;
  /** Requests answered so far, by kind (`info/refs`, `git-upload-pack`, `git-receive-pack`, `other`). */
  readonly requests: Readonly<Record<GitRequestKind, number>>;
  /** The same, for one repository (`NAME.git`). */
  requestsFor(repo: string): Readonly<Record<GitRequestKind, number>>;
  /** A server in another process (startGitServerProcess): resolves once the counters above hold every request it counted so far. */
  sync?(): Promise<void>;
  close(): Promise<void>;
}

/** What a git request asked for, as the server counts it. */
export type GitRequestKind = 'info/refs' | 'git-upload-pack' | 'git-receive-pack' | 'other';

const noGitRequests = (): Record<GitRequestKind, number> => ({ 'info/refs': 0, 'git-upload-pack': 0, 'git-receive-pack': 0, other: 0 });

/** A git server's request counters: in all, and per repository (`NAME.git`). */
export function gitRequestCounters(): {
  readonly requests: Record<GitRequestKind, number>;
  readonly countsFor: (repo: string) => Record<GitRequestKind, number>;
  readonly count: (kind: GitRequestKind, repo: string | undefined) => void;
} {
  const requests = noGitRequests();
  const byRepo = new Map<string, Record<GitRequestKind, number>>();
  const countsFor = (repo: string): Record<GitRequestKind, number> => {
    let c = byRepo.get(repo);
    if (!c) byRepo.set(repo, (c = noGitRequests()));
    return c;
  };
  return {
    requests,
    countsFor,
    count: (kind, repo) => {
      requests[kind] += 1;
      if (repo) countsFor(repo)[kind] += 1;
    },
  };
}

/**
 * Serves every bare repository under `root` over git's smart HTTP protocol
 * (v1 and v2; clone, fetch and, with `allowPush`, push). The pack work is done
 * by the machine's `git http-backend` as a CGI program, one process per request,
 * the way a production git host's front end does; this bridge only translates
 * HTTP to CGI. Listens on 127.0.0.1 (`port` 0 picks a free one).
 */
export async function startGitServer(opts: {
  root: string;
  port?: number;
  allowPush?: boolean;
  /** Require HTTP basic auth with these credentials (401 otherwise), as a git host does for a token. */
  auth?: { username: string; password: string };
  /** Called as each request is counted (before it is served), with its repository (`NAME.git`) if it names one. */
  onRequest?: (kind: GitRequestKind, repo: string | undefined) => void;
}): Promise<GitServer> {
  const { requests, countsFor, count } = gitRequestCounters();
  const backends = new Set<ChildProcess>();
  const server = createServer((req, res) => {
    if (req.url?.startsWith(STATS_PATH)) {
      // Counters for tests and the bench, which run in other processes than this server.
      const repo = new URLSearchParams(req.url.slice(STATS_PATH.length).replace(/^\?/, '')).get('repo');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(repo ? countsFor(repo) : requests));
      return;
    }
    const kind = requestKind(req.url ?? '/');
    const repoName = /^\/*([^?]*?\.git)(\/|\?|$)/.exec(req.url ?? '')?.[1];
    count(kind, repoName);
    opts.onRequest?.(kind, repoName);
    if (opts.auth && req.headers.authorization !== basic(opts.auth)) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="driftless-git"' }).end();
      return;
    }
    const child = serveCgi(req, res, opts.root, opts.allowPush ?? false);
    if (!child) return;
    backends.add(child);
    child.once('close', () => backends.delete(child));
    // A client that went away leaves nobody to read the pack or finish the push.
    res.once('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    root: opts.root,
    requests,
    requestsFor: countsFor,
    async close() {
      for (const child of backends) child.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `GET <baseUrl>_driftless/stats[?repo=NAME.git]`: request counters as JSON. */
export const STATS_PATH = '/_driftless/stats';

/** Request counters of a git server reached over HTTP (from another process). */
export async function gitServerStats(baseUrl: string, repo?: string): Promise<Record<GitRequestKind, number>> {
  const res = await fetch(`${baseUrl.replace(/\/+$/, '')}${STATS_PATH}${repo ? `?repo=${encodeURIComponent(repo)}` : ''}`);
  return (await res.json()) as Record<GitRequestKind, number>;
}

function basic(auth: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

function requestKind(url: string): GitRequestKind {
  if (/\/info\/refs(\?|$)/.test(url)) return 'info/refs';
  if (url.includes('/git-upload-pack')) return 'git-upload-pack';
  if (url.includes('/git-receive-pack')) return 'git-receive-pack';
  return 'other';
}

function serveCgi(req: IncomingMessage, res: ServerResponse, root: string, allowPush: boolean): ChildProcess | undefined {
  // Split by hand: `new URL` would read `//NAME.git/...` (a doubled slash after the base
  // URL, a common slip that git hosts accept) as a host name.
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const query = q >= 0 ? raw.slice(q + 1) : '';
  let path: string;
  try {
    path = decodeURIComponent(q >= 0 ? raw.slice(0, q) : raw).replace(/\/{2,}/g, '/');
  } catch {
    res.writeHead(400).end();
    return undefined;
  }
  if ((req.method !== 'GET' && req.method !== 'POST') || path.split('/').includes('..')) {
    res.writeHead(req.method === 'GET' || req.method === 'POST' ? 404 : 405).end();
    return undefined;
  }
  const config: [string, string][] = [['safe.directory', '*']];
  if (allowPush) config.push(['http.receivepack', 'true']);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(config.flatMap(([k, v], i) => [[`GIT_CONFIG_KEY_${i}`, k], [`GIT_CONFIG_VALUE_${i}`, v]])),
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method,
    PATH_INFO: path,
    QUERY_STRING: query,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: allowPush ? 'driftless' : undefined,
    CONTENT_TYPE: req.headers['content-type'],
    CONTENT_LENGTH: req.headers['content-length'],
    HTTP_CONTENT_ENCODING: req.headers['content-encoding'],
    GIT_PROTOCOL: header(req, 'git-protocol'),
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });
  child.once('error', (err) => fail(res, `git http-backend could not start: ${err.message}`));
  child.stdin.on('error', () => undefined); // the backend may answer before reading the whole body
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (!end) return;
    headersDone = true;
    writeCgiHeaders(res, head.subarray(0, end.index).toString('latin1'));
    res.write(head.subarray(end.index + end.length));
  });
  child.once('close', (code) => {
    if (!headersDone) fail(res, `git http-backend exited with code ${String(code)}: ${stderr.trim()}`);
    else res.end();
  });
  return child;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function headerEnd(buf: Buffer): { index: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return undefined;
}

function writeCgiHeaders(res: ServerResponse, text: string): void {
  let status = 200;
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else res.appendHeader(name, value);
  }
  res.statusCode = status;
}

function fail(res: ServerResponse, message: string): void {
  if (res.headersSent) {
    res.destroy(new Error(message));
    return;
  }
  res.writeHead(500, { 'content-type': 'text/plain' }).end(`${message}\n`);
}
