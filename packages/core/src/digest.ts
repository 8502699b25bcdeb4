import { createHash } from 'node:crypto';

/** `sha256:` and 64 lowercase hex digits: how every content address is written. */
export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The content address of `bytes`: `sha256:` + hex SHA-256. */
export function digestOf(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Whether `value` is a well-formed digest. */
export function isDigest(value: string): value is Digest {
  return DIGEST.test(value);
}

/** The hex part of a digest (what blob keys use). */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}
