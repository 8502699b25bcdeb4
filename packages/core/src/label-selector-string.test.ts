import { describe, expect, it } from 'vitest';
import { labelsMatch, parseLabelSelector } from './label-selector-string.js';

// Objects and answers as kube-apiserver 1.37 gave them for the same selectors.
const objects: Record<string, Record<string, string>> = { p: { a: 'b', c: 'd' }, q: { a: 'b' }, r: { a: 'x' }, s: { a: 'y', c: 'd' }, t: {}, u: { a: '' }, n1: { n: '1' }, n5: { n: '5' } };

describe('label selectors', () => {
  it.each([
    ['', 'n1,n5,p,q,r,s,t,u'],
    ['a=b', 'p,q'],
    [' a = b ', 'p,q'],
    ['a==b', 'p,q'],
    ['a=b,c=d', 'p'],
    ['a!=b', 'n1,n5,r,s,t,u'],
    ['a', 'p,q,r,s,u'],
    ['!a', 'n1,n5,t'],
    ['a=', 'u'],
    ['a in (x,y)', 'r,s'],
    ['a notin (x, y)', 'n1,n5,p,q,t,u'],
    ['a in ()', ''],
    ['a, !c', 'q,r,u'],
    ['n>2', 'n5'],
    ['n<2', 'n1'],
  ])('%j matches %j', (selector, want) => {
    const requirements = parseLabelSelector(selector);
    const names = Object.entries(objects).filter(([, labels]) => labelsMatch(requirements, labels)).map(([name]) => name);
    expect(names.sort().join(',')).toBe(want);
  });

  it.each([
    ['a in x', /expected: '\('/],
    ['a in (x,y', /expected: ',' or '\)'/],
    ['a=b=c', /expected: ',' or 'end of string'/],
    ['a=b c=d', /expected: ',' or 'end of string'/],
    ['a=b,,c=d', /identifier after ','/],
    ['a=b,', /identifier after ','/],
    ['-a=b', /name part must consist/],
    ['a=not valid', /expected: ',' or 'end of string'/],
    ['a=-x', /a valid label must be/],
    ['n>x', /must be an integer/],
    ['!a=b', /expected: ',' or 'end of string'/],
  ])('refuses %j', (selector, why) => {
    expect(() => parseLabelSelector(selector)).toThrow(why);
  });
});
