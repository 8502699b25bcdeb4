import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson (RFC 8785)', () => {
  it.each([
    ['sorts keys at every depth', { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}'],
    // U+FF21 sorts after U+1F600 in UTF-16 (0xFF21 > 0xD83D), before it by code point.
    ['sorts keys by UTF-16 code units, not code points or locale', { é: 1, z: 2, A: 3, '\u20ac': 4, '\ud83d\ude00': 5, '\uff21': 6 }, '{"A":3,"z":2,"é":1,"€":4,"😀":5,"Ａ":6}'],
    ['formats numbers as ECMAScript does', [1e21, 1e-7, -0, 0.1, 100, 1.5e300], '[1e+21,1e-7,0,0.1,100,1.5e+300]'],
    ['escapes only what JSON requires', { s: 'tab\there "q" \u0001 é' }, '{"s":"tab\\there \\"q\\" \\u0001 é"}'],
    ['keeps array order', [3, 1, 2], '[3,1,2]'],
  ])('%s', (_what, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a lone surrogate', '\ud800'],
    ['undefined', undefined],
  ])('refuses %s', (_what, value) => {
    expect(() => canonicalJson(value)).toThrow();
  });
});
