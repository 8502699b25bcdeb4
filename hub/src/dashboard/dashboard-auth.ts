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
