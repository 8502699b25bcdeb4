import canonicalize from 'canonicalize';

const encoder = new TextEncoder();

/**
 * RFC 8785 (JSON Canonicalization Scheme) text of `value`: object keys sorted by
 * UTF-16 code units, no insignificant white space, ECMAScript number formatting.
 * The same data gives the same text whatever its key order. Throws on values JSON
 * cannot represent canonically (undefined at the top level, NaN, Infinity, lone
 * surrogates, cycles).
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonical JSON: value has no JSON representation');
  return text;
}

/** UTF-8 bytes of {@link canonicalJson}. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}
