import { generateKeyPairSync } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftlessError } from '@driftless/core';

/** File names `driftless keys generate` writes: the hub signs with the key, agents verify with the pub. */
export const SIGNING_KEY_FILE = 'driftless-signing.key';
export const VERIFY_KEY_FILE = 'driftless-signing.pub';

/** A fresh Ed25519 key pair in PEM: PKCS#8 private key, SPKI public key. */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/**
 * Writes a fresh key pair into `dir` (created if needed): the private key
 * readable by its owner only (0600), the public key 0644. Never overwrites an
 * existing key unless `force`: losing a signing key locks agents out. Throws
 * stalled `InvalidKey` naming the file that is in the way. Returns both paths.
 */
export async function writeSigningKeyPair(dir: string, opts: { force?: boolean } = {}): Promise<{ privateKey: string; publicKey: string }> {
  await mkdir(dir, { recursive: true });
  const pair = generateSigningKeyPair();
  const privateKey = join(dir, SIGNING_KEY_FILE);
  const publicKey = join(dir, VERIFY_KEY_FILE);
  const flag = opts.force ? 'w' : 'wx';
  for (const [path, pem, mode] of [
    [privateKey, pair.privateKeyPem, 0o600],
    [publicKey, pair.publicKeyPem, 0o644],
  ] as const) {
    let fh;
    try {
      fh = await open(path, flag, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        const reason = `${path} already exists; pass --force to replace it (agents verifying with the old key will refuse new pointers)`;
        throw new DriftlessError('InvalidKey', `signing key write failed: ${reason}`, { reason }, { cause: err });
      }
      throw err;
    }
    try {
      await fh.chmod(mode);
      await fh.writeFile(pem);
    } finally {
      await fh.close();
    }
  }
  return { privateKey, publicKey };
}
