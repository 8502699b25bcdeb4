import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { rename } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeConfig, type KubeCluster, type KubeConfigSource, type KubeUser } from './kube-config.js';
import { createKubeTarget } from './kube-target.js';

// What the agent's requests present to an API server: its CA, client certificate and credentials, over real TLS on loopback.
let dir: string;
let server: Server;
let url: string;
const pem = { serverCert: '', clientCert: '', clientKey: '' };
let connections = 0;

/** A self-signed certificate and key (PEM files `<name>.crt`, `<name>.key`), as openssl makes it. */
async function selfSigned(name: string, subjectAltName?: string): Promise<void> {
  const out = join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await promisify(execFile)('openssl', ['req', '-x509', ...ec, '-keyout', `${out}.key`, '-out', `${out}.crt`, '-days', '1', '-subj', `/CN=${name}`, ...(subjectAltName ? ['-addext', `subjectAltName=${subjectAltName}`] : [])]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-http-'));
  await Promise.all([selfSigned('apiserver', 'IP:127.0.0.1'), selfSigned('agent'), selfSigned('renewed')]);
  const read = (f: string): Promise<string> => readFile(join(dir, f), 'utf8');
  [pem.serverCert, pem.clientCert, pem.clientKey] = await Promise.all([read('apiserver.crt'), read('agent.crt'), read('agent.key')]);
  // Answers discovery for v1, and any other GET with who asked: the client certificate's CN and the request's credentials;
  // the object's namespace is the one the path names. `login` answers as a proxy's login page would.
  const ca = [pem.clientCert, await read('renewed.crt')];
  server = createServer({ cert: pem.serverCert, key: await readFile(join(dir, 'apiserver.key')), ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const who = { cn: socket.authorized ? socket.getPeerCertificate().subject.CN : '', authorization: req.headers.authorization ?? '', impersonate: req.headers['impersonate-user'] ?? '' };
    const configMaps = { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }] };
    const namespace = /\/namespaces\/([^/]+)\//.exec(req.url ?? '')?.[1];
    if (req.url?.endsWith('/login')) {
      res.setHeader('Content-Type', 'text/html').end('<html>Sign in</html>');
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(req.url === '/api/v1' ? configMaps : { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace }, data: who }));
  });
  server.on('secureConnection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => vi.useRealTimers());
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
    expect(err).toMatchObject({ code: 'KubeRefused', message: `ConfigMap/ns/a get failed: TLS verification of ${url} failed: DEPTH_ZERO_SELF_SIGNED_CERT` });
    expect(await asked(source({ skipTLSVerify: true }, { token: 't', username: 'ignored' }))).toEqual({ cn: '', authorization: 'Bearer t', impersonate: '' });
  });
});

const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' };

describe('TLS material that changes', () => {
  it('is read again after a TLS verification failure: a CA file fixed later is used without a restart', async () => {
    const caFile = join(dir, 'rotating-ca.crt');
    await writeFile(caFile, pem.clientCert); // not the CA that signed the server's certificate
    const target = createKubeTarget(source({ caFile }, { token: 't' }));
    await expect(target.get(ref)).rejects.toMatchObject({ code: 'KubeRefused' });
    await writeFile(caFile, pem.serverCert);
    expect((await target.get(ref))?.['data']).toMatchObject({ authorization: 'Bearer t' });
  });

  it('is read again when its files change, checked at most once a minute: a renewed client certificate is presented', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const [certFile, keyFile] = [join(dir, 'client.crt'), join(dir, 'client.key')];
    await Promise.all([writeFile(certFile, pem.clientCert), writeFile(keyFile, pem.clientKey)]);
    const target = createKubeTarget(source({ caFile: join(dir, 'apiserver.crt') }, { certFile, keyFile }));
    expect((await target.get(ref))?.['data']).toMatchObject({ cn: 'agent' });
    // As cert-manager or a vault agent renews them: new files moved into place.
    await Promise.all([writeFile(`${certFile}.new`, await readFile(join(dir, 'renewed.crt'))), writeFile(`${keyFile}.new`, await readFile(join(dir, 'renewed.key')))]);
    await Promise.all([rename(`${certFile}.new`, certFile), rename(`${keyFile}.new`, keyFile)]);
    expect((await target.get(ref))?.['data']).toMatchObject({ cn: 'agent' }); // not checked yet: the pool is kept
    vi.advanceTimersByTime(61_000);
    expect((await target.get(ref))?.['data']).toMatchObject({ cn: 'renewed' });
  });
});

/** A kubeconfig file for the loopback server, with `user` and the context's `namespace`. */
async function kubeconfig(user: object, context: object = {}, server = url): Promise<KubeConfigSource> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  const cluster = { server, 'certificate-authority-data': Buffer.from(pem.serverCert).toString('base64') };
  await writeFile(file, stringify({ 'current-context': 'x', clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', ...context } }] }));
  return loadKubeConfig(file);
}

/** An exec plugin that prints `status` as its ExecCredential. */
const execPlugin = (status: object): object => ({
  apiVersion: 'client.authentication.k8s.io/v1',
  command: process.execPath,
  args: ['-e', `console.log(${JSON.stringify(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }))})`],
});

describe('exec plugins', () => {
  it('authenticate with the token they return, over the adapter\'s one keep-alive connection', async () => {
    const target = createKubeTarget(await kubeconfig({ exec: execPlugin({ token: 'EXEC' }) }));
    const before = connections;
    expect((await target.get(ref))?.['data']).toMatchObject({ authorization: 'Bearer EXEC' });
    expect((await target.get(ref))?.['data']).toMatchObject({ authorization: 'Bearer EXEC' });
    expect(connections - before).toBe(1);
  });

  it('returning a client certificate are refused by name, rather than met as a bare 401', async () => {
    const cert = { clientCertificateData: pem.clientCert, clientKeyData: pem.clientKey };
    const err = await createKubeTarget(await kubeconfig({ exec: execPlugin(cert) })).get(ref).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'InvalidKubeConfig', message: expect.stringContaining('user "u": its exec plugin returned a client certificate') });
  });
});

describe('kubeconfig servers and answers', () => {
  it('put an object without a namespace in the context\'s namespace, else default', async () => {
    const unplaced = { apiVersion: 'v1', kind: 'ConfigMap', name: 'a' };
    expect((await createKubeTarget(await kubeconfig({ token: 't' }, { namespace: 'team' })).get(unplaced))?.metadata.namespace).toBe('team');
    expect((await createKubeTarget(await kubeconfig({ token: 't' })).get(unplaced))?.metadata.namespace).toBe('default');
  });

  it('read a server without a scheme as https, as client-go does', async () => {
    const target = createKubeTarget(await kubeconfig({ token: 't' }, {}, url.replace('https://', '')));
    expect((await target.get(ref))?.['data']).toMatchObject({ authorization: 'Bearer t' });
  });

  it('refuse plain HTTP without insecure-skip-tls-verify, and a server that is no URL, once as InvalidKubeConfig', () => {
    for (const server of ['http://127.0.0.1:1', 'https://[oops']) {
      expect(() => createKubeTarget({ ...source({}, {}), getCurrentCluster: () => ({ name: 'c', server }) })).toThrow(
        expect.objectContaining({ code: 'InvalidKubeConfig', message: expect.stringContaining(`cluster "c"'s server "${server}"`) }),
      );
    }
  });

  it('refuse a 2xx answer that is not JSON (a proxy\'s login page) as KubeRefused, saying so', async () => {
    const err = await createKubeTarget(source({ skipTLSVerify: true }, {})).get({ ...ref, name: 'login' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KubeRefused', message: expect.stringContaining('answered HTTP 200 with a body that is not JSON') });
  });
});
