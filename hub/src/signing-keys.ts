import { generateKeyPairSync } from 'node:crypto';
import { access, mkdir, open, rename } from 'node:fs/promises';
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
 * readable by its owner only (0600), the public key 0644. Never overwrites
 * either file unless `force` (losing a signing key locks agents out), and
 * writes nothing when either is in the way: stalled `InvalidKey` naming it.
 * Returns both paths.
 */
export async function writeSigningKeyPair(dir: string, opts: { force?: boolean } = {}): Promise<{ privateKey: string; publicKey: string }> {
  await mkdir(dir, { recursive: true });
  const pair = generateSigningKeyPair();
  const privateKey = join(dir, SIGNING_KEY_FILE);
  const publicKey = join(dir, VERIFY_KEY_FILE);
  // Check both before writing either: a new private key beside an old public key
  // would sign pointers that no agent can verify.
  if (!opts.force) {
    for (const path of [privateKey, publicKey]) {
      if (await exists(path)) {
        const reason = `${path} already exists; pass --force to replace the pair (agents verifying with the old key will refuse new pointers)`;
        throw new DriftlessError('InvalidKey', `signing key write failed: ${reason}`, { reason });
      }
    }
  }
  // Each file appears whole (temp file, then rename), private key first.
  await writeAtomically(privateKey, pair.privateKeyPem, 0o600);
  await writeAtomically(publicKey, pair.publicKeyPem, 0o644);
  return { privateKey, publicKey };
}

async function exists(path: string): Promise<boolean> {
  return await access(path).then(
    () => true,
    () => false,
  );
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
