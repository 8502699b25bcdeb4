import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateDevCertificates, generateSigningKeyPair, readPem } from './certs.js';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './managed-process.js';
import { probe, waitUntilReady } from './readiness.js';
import type { Reaper } from './reaper.js';

/** How to reach the local kube-apiserver as an admin (a member of system:masters). */
export interface KubeInfo {
  readonly server: string;
  readonly token: string;
  readonly caFile: string;
  readonly kubeconfig: string;
}

/**
 * Starts kube-apiserver the way controller-runtime's envtest does: loopback only,
 * a freshly generated CA and serving certificate, RBAC authorization, and a static
 * token for `driftless-admin` in `system:masters`. There is no controller-manager
 * or kubelet: nothing reconciles Deployments, finalizes Namespaces or writes status.
 * Writes a kubeconfig (JSON, which kubectl and client-node read) under `dir` and
 * resolves once `/readyz` answers 200 to the admin token.
 */
export async function startKubeApiserver(opts: {
  binary: string;
  etcdUrl: string;
  dir: string;
  logDir: string;
  reaper: Reaper;
}): Promise<{ info: KubeInfo; readonly process: ManagedProcess; restart(): Promise<void> }> {
  const dir = join(opts.dir, 'kube');
  await mkdir(join(dir, 'certs'), { recursive: true });
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const token = randomBytes(24).toString('hex');
  const certs = await generateDevCertificates(dir);
  const ca = await readPem(certs.caCert);
  const sa = generateSigningKeyPair();
  const f = (name: string): string => join(dir, name);
  await Promise.all([
    writeFile(f('sa.key'), sa.privateKey, { mode: 0o600 }),
    writeFile(f('sa.pub'), sa.publicKey),
    writeFile(f('tokens.csv'), `${token},driftless-admin,driftless-admin,"system:masters"\n`, { mode: 0o600 }),
  ]);
  const kubeconfig = f('kubeconfig');
  await writeFile(kubeconfig, `${JSON.stringify(kubeconfigDocument(server, certs.caCert, token), null, 2)}\n`, { mode: 0o600 });
  const start = (): ManagedProcess => startProcess({
    name: 'kube-apiserver',
    command: opts.binary,
    args: [
      `--etcd-servers=${opts.etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--tls-cert-file=${certs.serverCert}`,
      `--tls-private-key-file=${certs.serverKey}`,
      `--token-auth-file=${f('tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}/`,
      `--service-account-key-file=${f('sa.pub')}`,
      `--service-account-signing-key-file=${f('sa.key')}`,
      // Only an allocation range (nothing routes there): large enough for the agent bench's Services.
      '--service-cluster-ip-range=10.0.0.0/16',
      '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount',
      '--profiling=false',
      // There is no kubelet or node: loopback addresses are fine once nothing reconciles the kubernetes Service endpoints.
      '--endpoint-reconciler-type=none',
    ],
    logFile: join(opts.logDir, 'kube-apiserver.log'),
    reaper: opts.reaper,
  });
  const headers = { authorization: `Bearer ${token}` };
  const ready = (p: ManagedProcess): Promise<void> =>
    waitUntilReady(p, async () => (await probe(`${server}/readyz`, { ca, headers })) === 200, 'ready (/readyz)');
  let proc = start();
  await ready(proc);
  return {
    info: { server, token, caFile: certs.caCert, kubeconfig },
    get process() {
      return proc;
    },
    /** Stops the API server and starts it again on the same port, certificates and etcd (an outage, for tests). */
    async restart() {
      await proc.stop();
      proc = start();
      await ready(proc);
    },
  };
}

function kubeconfigDocument(server: string, caFile: string, token: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'driftless-dev', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'driftless-admin', user: { token } }],
    contexts: [{ name: 'driftless-dev', context: { cluster: 'driftless-dev', user: 'driftless-admin' } }],
    'current-context': 'driftless-dev',
  };
}
