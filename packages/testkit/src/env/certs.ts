import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the PEM files of a throwaway TLS setup: a CA and a serving certificate it signed. */
export interface DevCertificates {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

/**
 * Writes a fresh CA (`ca.crt`) and a serving certificate (`apiserver.crt`,
 * `apiserver.key`) for `127.0.0.1` and `localhost` into `dir`, as envtest does
 * for its kube-apiserver, using the machine's `openssl`. Valid for `days` days
 * (default 30). The CA key is deleted once it has signed: nothing else can be
 * signed with it.
 */
export async function generateDevCertificates(dir: string, days = 30): Promise<DevCertificates> {
  const f = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await openssl(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', String(days),
      '-subj', '/CN=driftless-dev-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await openssl(['req', ...ec, '-keyout', f('apiserver.key'), '-out', f('apiserver.csr'), '-subj', '/CN=kube-apiserver']);
    await writeFile(
      f('apiserver.ext'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
        'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
    );
    await openssl(['x509', '-req', '-in', f('apiserver.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'),
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', String(days),
      '-extfile', f('apiserver.ext'), '-out', f('apiserver.crt')]);
  } finally {
    await Promise.all(['ca.key', 'apiserver.csr', 'apiserver.ext'].map((n) => rm(f(n), { force: true })));
  }
  return { caCert: f('ca.crt'), serverCert: f('apiserver.crt'), serverKey: f('apiserver.key') };
}

/** The CA certificate's PEM text. */
export async function readPem(path: string): Promise<string> {
  return await readFile(path, 'utf8');
}

/** An EC key pair (PEM: PKCS#8 private, SPKI public) for signing service-account tokens. */
export function generateSigningKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', [...args], { timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why = e.code === 'ENOENT' ? 'openssl is not installed (Debian: apt-get install openssl)' : (e.stderr ?? e.message).trim();
    throw new Error(`kube-apiserver certificates generate failed: openssl ${args[0] ?? ''}: ${why}`, { cause: err });
  }
}
