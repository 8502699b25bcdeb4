import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** The PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The bench's pointer signing key pair, derived from the run's seed: the bench
 * signs and verifies pointers as production does (Ed25519 costs microseconds a
 * pointer), and the same seed still writes the same bytes. Worker threads
 * derive the same pair from the seed they are given. Never a production key:
 * anyone who knows the seed knows it.
 */
export function benchSigningKeys(seed: number): { readonly privateKey: KeyObject; readonly publicKey: KeyObject } {
  const secret = createHash('sha256').update(`driftless-bench-signing-key/${seed}`).digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
