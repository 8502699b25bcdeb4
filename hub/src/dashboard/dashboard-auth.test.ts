import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ApiFailure } from './api-http.js';
import { callerOf, refuseCrossSite } from './dashboard-auth.js';
import type { DashboardAuth } from './dashboard-listener.js';

const TOKEN = 'alice-unit-token';
const tokens = new Map([[createHash('sha256').update(TOKEN).digest('hex'), 'alice']]);
const PROXIED: DashboardAuth = { tokens, trustHeader: 'x-forwarded-user' };

/** A request with `headers` as Node parses them: repeated ones listed in headersDistinct, joined by ", " in headers. */
function request(headers: Record<string, string | string[]>): IncomingMessage {
  const distinct = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const joined = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
  return { headers: joined, headersDistinct: distinct } as unknown as IncomingMessage;
}

function failure(run: () => unknown): ApiFailure {
  try {
    run();
  } catch (err) {
    if (err instanceof ApiFailure) return err;
    throw err;
  }
  throw new Error('expected an ApiFailure');
}

describe('callerOf', () => {
  it('takes the user from a known bearer token, and from the trusted header when there is none', () => {
    expect(callerOf(request({ authorization: `Bearer ${TOKEN}` }), { tokens })).toEqual({ user: 'alice' });
    expect(callerOf(request({ 'x-forwarded-user': 'bob@example.org' }), PROXIED)).toEqual({ user: 'bob@example.org' });
    expect(callerOf(request({}), PROXIED)).toEqual({});
  });

  it('refuses (401) a trusted header sent twice, saying so, rather than record "mallory, bob" as the actor', () => {
    const err = failure(() => callerOf(request({ 'x-forwarded-user': ['mallory', 'bob'] }), PROXIED));
    expect([err.status, err.message]).toEqual([401, 'authentication failed: the trusted header x-forwarded-user appears 2 times; an auth proxy must set it once']);
  });

  it.each(['mallory, bob', 'bob smith', 'bob\u00e9', 'a'.repeat(129), '<script>'])('refuses (401) a trusted header %j that is not a plain user name', (value) => {
    const err = failure(() => callerOf(request({ 'x-forwarded-user': value }), PROXIED));
    expect([err.status, err.message]).toEqual([401, expect.stringContaining('is not a plain user name') as unknown]);
  });

  it('ignores a Basic Authorization header next to the trusted header (an auth proxy passing Basic auth on)', () => {
    expect(callerOf(request({ authorization: 'Basic Ym9iOnNlY3JldA==', 'x-forwarded-user': 'bob' }), PROXIED)).toEqual({ user: 'bob' });
  });

  it('refuses an unknown bearer token even next to the trusted header, and a non-Bearer scheme without one, saying what is expected', () => {
    expect(failure(() => callerOf(request({ authorization: 'Bearer wrong', 'x-forwarded-user': 'bob' }), PROXIED)).message).toBe('authentication failed: the bearer token is not known');
    expect(failure(() => callerOf(request({ authorization: 'Bearer' }), PROXIED)).message).toBe('authentication failed: the bearer token is not known');
    const basic = failure(() => callerOf(request({ authorization: 'Basic Ym9iOnNlY3JldA==' }), { tokens }));
    expect([basic.status, basic.message, basic.headers['www-authenticate']]).toEqual([401, 'authentication failed: expected Authorization: Bearer TOKEN', 'Bearer realm="driftless"']);
  });
});

describe('refuseCrossSite', () => {
  it.each([
    ['http://example.com', 'example.com:80'],
    ['http://example.com:80', 'example.com'],
    ['https://example.com', 'example.com:443'],
    ['http://EXAMPLE.com:8080', 'example.COM:8080'],
  ])('accepts Origin %s for Host %s (the same host once the default port is dropped)', (origin, host) => {
    expect(() => refuseCrossSite(request({ origin, host }))).not.toThrow();
  });

  it.each([
    ['https://example.com', 'example.com:80'],
    ['http://example.com:8080', 'example.com'],
    ['http://127.0.0.1:8080.evil.com', '127.0.0.1:8080'],
    ['http://example.com', 'example.com@evil.com'],
    ['null', 'example.com'],
  ])('refuses (403) Origin %s for Host %s', (origin, host) => {
    expect(failure(() => refuseCrossSite(request({ origin, host }))).status).toBe(403);
  });

  it('accepts the Origin of the host a proxy forwarded (X-Forwarded-Host)', () => {
    expect(() => refuseCrossSite(request({ origin: 'https://hub.example.org', host: '10.0.0.5:8080', 'x-forwarded-host': 'hub.example.org:443' }))).not.toThrow();
  });
});
