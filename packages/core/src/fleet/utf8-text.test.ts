import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from './utf8-text.js';

describe('decodeUtf8', () => {
  it('reads UTF-8, dropping a byte order mark', () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a: café\n')]), 'a.yaml')).toBe('a: café\n');
  });

  it('refuses Latin-1 text, naming the file, line and byte', () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('a: 1\nb: caf'), 0xe9, 0x0a]);
    expect(() => decodeUtf8(latin1, 'apps/web/x.yaml')).toThrow('apps/web/x.yaml:2: the file is not UTF-8 text (invalid byte 0xe9 at offset 11); save it as UTF-8');
  });

  it('points at the bad byte after a valid accented letter', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('a: é'), 0xff]);
    expect(() => decodeUtf8(bytes, 'a.yaml')).toThrow('a.yaml:1: the file is not UTF-8 text (invalid byte 0xff at offset 5)');
  });

  it('refuses UTF-16', () => {
    expect(() => decodeUtf8(new Uint8Array([0xff, 0xfe, 0x61, 0x00]), 'clusters/a.yaml')).toThrow(/^clusters\/a\.yaml:1: the file is not UTF-8 text/);
  });
});
