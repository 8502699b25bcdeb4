import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { PointerVerifier, type Pointer } from '@driftless/core';

/** A stable id of a signing key: the SHA-256 of its public key (SPKI DER), shortened. */
export function signingKeyId(key: KeyObject): string {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}

/** The key id that signed `p`, as far as this hub can tell: `none`, `ourId` (it verifies with `key`), or `other`. */
export function signedBy(p: Pointer, key: KeyObject | undefined, ourId: string): string {
  if (!p.signature) return 'none';
  if (!key) return 'other';
  try {
    new PointerVerifier(createPublicKey(key)).verify(p, 'pointer', p.cluster);
    return ourId;
  } catch {
    return 'other';
  }
}
