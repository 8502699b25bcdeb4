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

/**
 * The user the request's credentials name: a bearer token whose sha256 is in
 * `auth.tokens` (every digest compared in constant time, so the time taken
 * tells nothing of how close a guess came), else the trusted header set by an
 * auth proxy. A bearer token that is not known is refused (401) even when a
 * trusted header is there: a wrong token is a mistake to report, not to mask.
 */
export function callerOf(req: IncomingMessage, auth: DashboardAuth): Caller {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const token = BEARER.exec(header)?.[1];
    const user = token === undefined ? undefined : userOfToken(auth.tokens, token);
    if (user === undefined) throw new ApiFailure(401, 'authentication failed: the bearer token is not known', 'Unauthenticated', CHALLENGE);
    return { user };
  }
  if (auth.trustHeader !== undefined) {
    const value = req.headers[auth.trustHeader.toLowerCase()];
    const user = (Array.isArray(value) ? value[0] : value)?.trim();
    if (user) return { user };
  }
  return {};
}

/** The user whose token digest matches `token`'s; every entry is compared, in constant time each. */
function userOfToken(tokens: ReadonlyMap<string, string>, token: string): string | undefined {
  const digest = createHash('sha256').update(token).digest();
  let found: string | undefined;
  for (const [hex, user] of tokens) {
    const known = Buffer.from(hex, 'hex');
    if (known.length === digest.length && timingSafeEqual(known, digest) && found === undefined) found = user;
  }
  return found;
}

/** Refuses (401, with the Bearer challenge) a caller without a user when one is needed: every POST, and GETs without anonymous read. */
export function requireUser(caller: Caller, method: string, auth: DashboardAuth): void {
  if (caller.user !== undefined) return;
  if (method === 'GET' || method === 'HEAD') {
    if (auth.anonymousRead) return;
    throw new ApiFailure(401, 'authentication failed: a bearer token (or the trusted header) is required', 'Unauthenticated', CHALLENGE);
  }
  throw new ApiFailure(401, 'authentication failed: a change needs a bearer token (or the trusted header)', 'Unauthenticated', CHALLENGE);
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
  const hosts = [req.headers.host, first(req.headers['x-forwarded-host'])].filter((h): h is string => h !== undefined).map((h) => h.toLowerCase());
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = origin === 'null' ? undefined : new URL(origin).host.toLowerCase();
    } catch {
      host = undefined;
    }
    if (host === undefined || !hosts.includes(host)) throw new ApiFailure(403, `request refused: Origin ${origin} is not this host`, 'CrossSiteRequest');
    return;
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new ApiFailure(403, 'request refused: a cross-site request may not change anything', 'CrossSiteRequest');
}

function first(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
}
