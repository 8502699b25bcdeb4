import { describe, expect, it } from 'vitest';
import { errorCodesOf, networkErrorCode } from './network-error.js';

/** An Error carrying a Node-style `code`, optionally wrapping another. */
const coded = (code: string | number, message = 'x', cause?: unknown): Error =>
  Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });

describe('networkErrorCode', () => {
  it.each<[string, unknown, string | undefined]>([
    ['a refused connection', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), 'ECONNREFUSED'],
    ['a reset connection (what Node calls "socket hang up")', coded('ECONNRESET', 'socket hang up'), 'ECONNRESET'],
    ['a timed-out connection', coded('ETIMEDOUT'), 'ETIMEDOUT'],
    ['a broken pipe', coded('EPIPE'), 'EPIPE'],
    ['a DNS lookup to retry', coded('EAI_AGAIN'), 'EAI_AGAIN'],
    ['an unreachable network', coded('ENETUNREACH'), 'ENETUNREACH'],
    ['an unreachable host', coded('EHOSTUNREACH'), 'EHOSTUNREACH'],
    ['an aborted connection', coded('ECONNABORTED'), 'ECONNABORTED'],
    ["undici's closed socket", coded('UND_ERR_SOCKET'), 'UND_ERR_SOCKET'],
    ["fetch's TypeError wrapping the socket error", new TypeError('fetch failed', { cause: coded('ECONNRESET') }), 'ECONNRESET'],
    ['a code two causes down', new Error('outer', { cause: new Error('middle', { cause: coded('EPIPE') }) }), 'EPIPE'],
    ['a wrapper whose own code is not a network one', coded('ERR_WRAPPED', 'x', coded('ECONNREFUSED')), 'ECONNREFUSED'],
    [
      "happy eyeballs' AggregateError, one member per address",
      new AggregateError([coded('ECONNREFUSED', '::1'), coded('ECONNREFUSED', '127.0.0.1')], 'connect failed'),
      'ECONNREFUSED',
    ],
    ['an AggregateError inside a cause', new Error('request failed', { cause: new AggregateError([new Error('plain'), coded('EHOSTUNREACH')]) }), 'EHOSTUNREACH'],
    ['a plain object with a code (a FetchError-like value)', { name: 'FetchError', code: 'ECONNRESET', type: 'system' }, 'ECONNRESET'],
    ['a host that does not exist (a human must fix the endpoint)', coded('ENOTFOUND'), undefined],
    ['a TLS certificate problem', coded('DEPTH_ZERO_SELF_SIGNED_CERT'), undefined],
    ['a message that merely mentions a network code', new Error('ECONNRESET socket hang up'), undefined],
    ['an HTTP status as a numeric code', coded(503), undefined],
    ['no code anywhere', new Error('boom', { cause: new Error('deeper') }), undefined],
    ['a thrown string', 'ECONNRESET', undefined],
    ['undefined', undefined, undefined],
    ['null', null, undefined],
  ])('%s -> %s', (_what, err, want) => {
    expect(networkErrorCode(err)).toBe(want);
  });

  it('stops at a cause cycle', () => {
    const a = coded('ERR_A');
    const b = coded('ERR_B', 'b', a);
    (a as { cause?: unknown }).cause = b;
    expect(networkErrorCode(a)).toBeUndefined();
    expect(errorCodesOf(a)).toEqual(['ERR_A', 'ERR_B']);
  });

  it('does not follow an unbounded chain for ever', () => {
    let err: Error = coded('ECONNRESET');
    for (let i = 0; i < 100; i++) err = new Error(`wrap ${i}`, { cause: err });
    expect(networkErrorCode(err)).toBeUndefined();
  });
});

describe('errorCodesOf', () => {
  it('lists the codes outermost first, causes before the members of an AggregateError', () => {
    const err = Object.assign(new AggregateError([coded('E_MEMBER_1'), coded('E_MEMBER_2')], 'all', { cause: coded('E_CAUSE') }), { code: 'E_OUTER' });
    expect(errorCodesOf(err)).toEqual(['E_OUTER', 'E_CAUSE', 'E_MEMBER_1', 'E_MEMBER_2']);
  });
});
