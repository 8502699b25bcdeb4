import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiFailure } from './api-http.js';
import type { DashboardAuth } from './dashboard-listener.js';

/** Who makes a request: a user (token or trusted header), or nobody. */
export interface Caller {
  /** Undefined when the request carries no credentials the dashboard knows. */
  readonly user?: string;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const CHALLENGE = { 'www-authenticate': 'Bearer realm="driftless"' };
/** What a trusted header may name: a plain user name or e-mail address, nothing a proxy would join or a log would misread. */
const USER_NAME = /^[A-Za-z0-9._@+-]{1,128}$/;

/**
 * The user the request's credentials name: a bearer token whose sha256 is in
 * `auth.tokens` (every digest compared in constant time, so the time taken
 * tells nothing of how close a guess came), else the trusted header set by an
 * auth proxy. A bearer token that is not known is refused (401) even when a
 * trusted header is there: a wrong token is a mistake to report, not to mask.
 * Another Authorization scheme is ignored with a trusted header (an auth
 * proxy may pass Basic auth on) and refused (401) without one.
 */
export function callerOf(req: IncomingMessage, auth: DashboardAuth): Caller {
  const header = req.headers.authorization;
  const bearer = header !== undefined && /^bearer(\s|$)/i.test(header.trim());
  if (bearer) {
    const token = BEARER.exec(header)?.[1];
    const user = token === undefined ? undefined : userOfToken(digestsOf(auth.tokens), token);
    if (user === undefined) throw unauthenticated('the bearer token is not known');
    return { user };
  }
  if (auth.trustHeader !== undefined) return trustedCaller(req, auth.trustHeader);
  if (header !== undefined) throw unauthenticated('expected Authorization: Bearer TOKEN');
  return {};
}

/**
 * The user the auth proxy's header names. Refused (401) when the header is
 * there more than once (a proxy that appends rather than replaces would let a
 * client's own value in) or does not hold a plain user name.
 */
function trustedCaller(req: IncomingMessage, name: string): Caller {
  const values = req.headersDistinct[name.toLowerCase()] ?? [];
  if (values.length > 1) throw unauthenticated(`the trusted header ${name} appears ${values.length} times; an auth proxy must set it once`);
  const user = values[0]?.trim();
  if (!user) return {};
  if (!USER_NAME.test(user)) throw unauthenticated(`the trusted header ${name} is not a plain user name (1 to 128 of A-Z a-z 0-9 . _ @ + -)`);
  return { user };
}

function unauthenticated(why: string): ApiFailure {
  return new ApiFailure(401, `authentication failed: ${why}`, 'Unauthenticated', CHALLENGE);
}

/** Each tokens map's digests decoded once, not per request (the map is fixed for the dashboard's life). */
const decoded = new WeakMap<ReadonlyMap<string, string>, readonly (readonly [Buffer, string])[]>();

function digestsOf(tokens: ReadonlyMap<string, string>): readonly (readonly [Buffer, string])[] {
  let digests = decoded.get(tokens);
  if (digests === undefined) {
    digests = [...tokens].map(([hex, user]) => [Buffer.from(hex, 'hex'), user] as const);
    decoded.set(tokens, digests);
  }
  return digests;
}

/** The user whose token digest matches `token`'s; every entry is compared, in constant time each. */
function userOfToken(digests: readonly (readonly [Buffer, string])[], token: string): string | undefined {
  const digest = createHash('sha256').update(token).digest();
  let found: string | undefined;
  for (const [known, user] of digests) {
    if (known.length === digest.length && timingSafeEqual(known, digest) && found === undefined) found = user;
  }
  return found;
}

/** Refuses (401, with the Bearer challenge) a caller without a user when one is needed: every POST, and GETs without anonymous read. */
export function requireUser(caller: Caller, method: string, auth: DashboardAuth): void {
  if (caller.user !== undefined) return;
  if (method === 'GET' || method === 'HEAD') {
    if (auth.anonymousRead) return;
    throw unauthenticated('a bearer token (or the trusted header) is required');
  }
  throw unauthenticated('a change needs a bearer token (or the trusted header)');
}

/**
 * Refuses (403) a change a browser sends for another site: an Origin that is
 * not this host (as the client addressed it: Host, or X-Forwarded-Host behind
 * a proxy), an opaque `null` Origin, or, without Origin, Sec-Fetch-Site
 * cross-site. Together with requiring application/json this keeps a cross-site
 * form or fetch from acting with the user's credentials, the trusted header
 * an auth proxy adds included.
 */
export function refuseCrossSite(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let url: URL | undefined;
    try {
      url = origin === 'null' ? undefined : new URL(origin);
    } catch {
      url = undefined;
    }
    // Both sides as URL.host in the Origin's scheme, so `host:80` and `host` (http) are the same host.
    const hosts = url === undefined ? [] : [req.headers.host, first(req.headers['x-forwarded-host'])].map((h) => hostIn(url.protocol, h));
    if (url === undefined || !hosts.includes(url.host)) throw new ApiFailure(403, `request refused: Origin ${origin} is not this host`, 'CrossSiteRequest');
    return;
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new ApiFailure(403, 'request refused: a cross-site request may not change anything', 'CrossSiteRequest');
}

/** `host` (a Host header) normalised as URL.host for `protocol`: lower case, the scheme's default port dropped; undefined when it is not a host. */
function hostIn(protocol: string, host: string | undefined): string | undefined {
  if (host === undefined || /[/?#@\\]/.test(host)) return undefined;
  try {
    return new URL(`${protocol}//${host}`).host;
  } catch {
    return undefined;
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
}
