import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeCluster, KubeConfigSource, KubeUser } from './kube-config.js';
import { createKubeTarget } from './kube-target.js';

// What the agent's requests present to an API server: its CA, client certificate and credentials, over real TLS on loopback.
let dir: string;
let server: Server;
let url: string;
const pem = { serverCert: '', clientCert: '', clientKey: '' };

/** A self-signed certificate and key (PEM files `<name>.crt`, `<name>.key`), as openssl makes it. */
async function selfSigned(name: string, subjectAltName?: string): Promise<void> {
  const out = join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await promisify(execFile)('openssl', ['req', '-x509', ...ec, '-keyout', `${out}.key`, '-out', `${out}.crt`, '-days', '1', '-subj', `/CN=${name}`, ...(subjectAltName ? ['-addext', `subjectAltName=${subjectAltName}`] : [])]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-http-'));
  await Promise.all([selfSigned('apiserver', 'IP:127.0.0.1'), selfSigned('agent')]);
  const read = (f: string): Promise<string> => readFile(join(dir, f), 'utf8');
  [pem.serverCert, pem.clientCert, pem.clientKey] = await Promise.all([read('apiserver.crt'), read('agent.crt'), read('agent.key')]);
  // Answers discovery for v1, and any other GET with who asked: the client certificate's CN and the request's credentials.
  server = createServer({ cert: pem.serverCert, key: await readFile(join(dir, 'apiserver.key')), ca: pem.clientCert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    const socket = req.socket as TLSSocket;
    const who = { cn: socket.authorized ? socket.getPeerCertificate().subject.CN : '', authorization: req.headers.authorization ?? '', impersonate: req.headers['impersonate-user'] ?? '' };
    const configMaps = { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }] };
    res.end(JSON.stringify(req.url === '/api/v1' ? configMaps : { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' }, data: who }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

const source = (cluster: Omit<KubeCluster, 'name' | 'server'>, user: Omit<KubeUser, 'name'>): KubeConfigSource => ({
  getCurrentContext: () => 'x',
  getCurrentCluster: () => ({ name: 'c', server: url, ...cluster }),
  getCurrentUser: () => ({ name: 'u', ...user }),
});
const asked = async (kc: KubeConfigSource): Promise<unknown> => (await createKubeTarget(kc).get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' }))?.['data'];

describe('requests to an API server over TLS', () => {
  it('trust its certificate through the CA file and present the client certificate given as data, and the impersonated user', async () => {
    const data = (s: string): string => Buffer.from(s).toString('base64');
    const kc = source({ caFile: join(dir, 'apiserver.crt') }, { certData: data(pem.clientCert), keyData: data(pem.clientKey), impersonateUser: 'someone' });
    expect(await asked(kc)).toEqual({ cn: 'agent', authorization: '', impersonate: 'someone' });
  });

  it('present the client certificate given as files, and the bearer token of a token file', async () => {
    await writeFile(join(dir, 'token'), 'from-file\n');
    const kc = source({ caData: Buffer.from(pem.serverCert).toString('base64') }, { certFile: join(dir, 'agent.crt'), keyFile: join(dir, 'agent.key'), authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } });
    expect(await asked(kc)).toEqual({ cn: 'agent', authorization: 'Bearer from-file', impersonate: '' });
  });

  it('refuse a server certificate no configured CA signed, unless the kubeconfig skips verification', async () => {
    const err = await createKubeTarget(source({}, { token: 't' }))
      .get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(await asked(source({ skipTLSVerify: true }, { token: 't', username: 'ignored' }))).toEqual({ cn: '', authorization: 'Bearer t', impersonate: '' });
  });
});
