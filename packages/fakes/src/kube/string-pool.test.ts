import { describe, expect, it } from 'vitest';
import { StringPool } from './string-pool.js';

describe('StringPool', () => {
  it('answers an equal string with the one it saw first', () => {
    const pool = new StringPool();
    const first = pool.intern(['{"a":', '1}'].join(''));
    expect(pool.intern('{"a":1}')).toBe(first);
    expect(pool.size).toBe(1);
  });

  it('starts over when full, so that it never holds more than its bound', () => {
    const pool = new StringPool(3);
    for (let i = 0; i < 10; i++) pool.intern(`s${i}`);
    expect(pool.size).toBeLessThanOrEqual(3);
  });
});
