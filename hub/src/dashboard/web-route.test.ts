import { describe, expect, it } from 'vitest';
import { parseRoute, splitToken } from '../../web/src/route.js';

describe('the token in a dashboard address', () => {
  it.each([
    ['#token=abc&/rollout', '#/rollout'],
    ['#/rollout&token=abc', '#/rollout'],
    ['#/audit?actor=alice&token=abc', '#/audit?actor=alice'],
    ['#token=abc', '#/'],
    ['#token=a%2Bb&/flags', '#/flags'],
    ['#/audit?token=abc', '#/audit'],
    ['#/audit?token=abc&actor=alice', '#/audit?actor=alice'],
  ])('is taken out of %s, leaving %s for the router', (hash, rest) => {
    const got = splitToken(hash);
    expect(got?.hash).toBe(rest);
    expect(got?.token).toBe(hash.includes('a%2Bb') ? 'a+b' : 'abc');
  });

  it('leaves the route the demo prints for an approval on the rollout page', () => {
    expect(parseRoute(splitToken('#/rollout&token=abc')?.hash ?? '').page).toBe('rollout');
    expect(parseRoute(splitToken('#token=abc&/rollout')?.hash ?? '').page).toBe('rollout');
  });

  it('is dropped, the route kept, when it is not valid percent-encoding, instead of throwing', () => {
    expect(splitToken('#/rollout&token=%E0%A4')).toEqual({ token: undefined, hash: '#/rollout' });
    expect(splitToken('#token=%&/flags')).toEqual({ token: undefined, hash: '#/flags' });
    expect(splitToken('#/audit?token=ab%zz&actor=alice')).toEqual({ token: undefined, hash: '#/audit?actor=alice' });
  });

  it('is absent from an address without one', () => {
    expect(splitToken('#/overview?selector=tier%3Dweb')).toBeUndefined();
    expect(splitToken('#/overview?mytoken=abc')).toBeUndefined();
  });
});
