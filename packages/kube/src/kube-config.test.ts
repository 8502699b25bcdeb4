import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeConfig, type KubeConfigSource } from './kube-config.js';

// The agent's own kubeconfig loader must read what client-node's reads, for every field the adapters use.
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const write = async (name: string, doc: object): Promise<string> => {
  const file = join(dir, name);
  await writeFile(file, stringify(doc));
  return file;
};

const doc = (context: string): object => ({
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': context,
  clusters: [
    { name: 'files', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority': 'ca.crt', 'tls-server-name': 'kube.internal' } },
    { name: 'data', cluster: { server: 'https://10.0.0.2', 'certificate-authority-data': 'Q0E=', 'insecure-skip-tls-verify': true, 'proxy-url': 'socks5://proxy:1080' } },
  ],
  users: [
    { name: 'cert-files', user: { 'client-certificate': 'sub/tls.crt', 'client-key': '/abs/tls.key', as: 'someone' } },
    { name: 'cert-data', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } },
    { name: 'token', user: { token: 'secret' } },
    { name: 'basic', user: { username: 'u', password: 'p' } },
  ],
  contexts: [
    { name: 'a', context: { cluster: 'files', user: 'cert-files' } },
    { name: 'b', context: { cluster: 'data', user: 'cert-data' } },
    { name: 'c', context: { cluster: 'data', user: 'token' } },
    { name: 'd', context: { cluster: 'files', user: 'basic' } },
  ],
});

/** The fields the adapters read, as client-node's KubeConfig loads them. */
const clientNode = (file: string, context: string): unknown => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  kc.setCurrentContext(context);
  return fields(kc);
};
const fields = (kc: { getCurrentCluster(): object | null; getCurrentUser(): object | null }): unknown => {
  const keep = (o: object | null, keys: string[]): object => Object.fromEntries(Object.entries(o ?? {}).filter(([k, v]) => keys.includes(k) && v !== undefined && v !== null && v !== false));
  return {
    cluster: keep(kc.getCurrentCluster(), ['server', 'caData', 'caFile', 'skipTLSVerify', 'tlsServerName', 'proxyUrl']),
    user: keep(kc.getCurrentUser(), ['certData', 'certFile', 'keyData', 'keyFile', 'token', 'username', 'password', 'impersonateUser']),
  };
};

describe('loadKubeConfig', () => {
  it.each(['a', 'b', 'c', 'd'])('reads context %s as client-node does (relative paths against the file)', async (context) => {
    const file = await write(`config-${context}`, doc(context));
    expect(fields(loadKubeConfig(file))).toEqual(clientNode(file, context));
    expect(loadKubeConfig(file).getCurrentContext()).toBe(context);
  });

  it('merges the files of $KUBECONFIG: the first to define a name or a current context wins', async () => {
    const first = await write('first', { 'current-context': 'mine', clusters: [{ name: 'c', cluster: { server: 'https://first' } }], users: [], contexts: [{ name: 'mine', context: { cluster: 'c', user: 'u' } }] });
    const second = await write('second', { 'current-context': 'other', clusters: [{ name: 'c', cluster: { server: 'https://second' } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [] });
    const kc = loadKubeConfig(undefined, { KUBECONFIG: [first, '', second].join(delimiter) });
    expect(kc.getCurrentContext()).toBe('mine');
    expect(kc.getCurrentCluster()?.server).toBe('https://first');
    expect(kc.getCurrentUser()?.token).toBe('t');
  });

  it('turns a tokenFile into the same token-file provider the in-cluster config uses, so it is read again as it rotates', async () => {
    const file = await write('config', { 'current-context': 'x', clusters: [{ name: 'c', cluster: { server: 'https://s' } }], users: [{ name: 'u', user: { tokenFile: 'token' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }] });
    expect(loadKubeConfig(file).getCurrentUser()?.authProvider).toEqual({ name: 'tokenFile', config: { tokenFile: join(dir, 'token') } });
  });

  it('authenticates exec users as exactly the chosen context\'s user, however the files of $KUBECONFIG overlap', async () => {
    const exec = (token: string): object => ({ apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `console.log(JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', status: { token: '${token}' } }))`] });
    const config = (name: string, user: string, token: string): object => ({ 'current-context': name, clusters: [{ name, cluster: { server: `https://${name}.invalid` } }], users: [{ name: user, user: { exec: exec(token) } }], contexts: [{ name, context: { cluster: name, user } }] });
    const token = async (kc: KubeConfigSource): Promise<unknown> => {
      const opts: { headers: Record<string, unknown> } = { headers: {} };
      await kc.applyAuthorization?.(opts);
      return opts.headers['Authorization'];
    };
    // client-node, loading $KUBECONFIG itself, took the last file's current context, and refused a name defined twice.
    const [prod, dev, dupe] = await Promise.all([write('prod', config('prod', 'prod-user', 'PROD')), write('dev', config('dev', 'dev-user', 'DEV')), write('dupe', config('other', 'prod-user', 'OTHER'))]);
    const kc = loadKubeConfig(undefined, { KUBECONFIG: [prod, dev].join(delimiter) });
    expect([kc.getCurrentCluster()?.server, await token(kc)]).toEqual(['https://prod.invalid', 'Bearer PROD']);
    expect(await token(loadKubeConfig(undefined, { KUBECONFIG: [prod, dupe].join(delimiter) }))).toBe('Bearer PROD');
  });

  it('skips files of $KUBECONFIG that do not exist, as kubectl does, but not a missing --kubeconfig', async () => {
    const file = await write('config', doc('c'));
    expect(loadKubeConfig(undefined, { KUBECONFIG: [join(dir, 'absent'), file].join(delimiter) }).getCurrentContext()).toBe('c');
    expect(() => loadKubeConfig(join(dir, 'absent'))).toThrow(expect.objectContaining({ code: 'InvalidKubeConfig', message: expect.stringContaining(`kubeconfig ${join(dir, 'absent')} load failed: ENOENT`) }));
  });

  it('refuses a file that is not YAML as InvalidKubeConfig, naming it', async () => {
    const file = join(dir, 'broken');
    await writeFile(file, 'clusters: [unclosed\n');
    expect(() => loadKubeConfig(undefined, { KUBECONFIG: file })).toThrow(expect.objectContaining({ code: 'InvalidKubeConfig', message: expect.stringContaining(`kubeconfig ${file} load failed:`) }));
  });

  it('gives the current context\'s namespace', async () => {
    const file = await write('config', { 'current-context': 'x', clusters: [], users: [], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team' } }] });
    const kc = loadKubeConfig(file);
    expect(kc.getContextObject?.(kc.getCurrentContext())?.namespace).toBe('team');
  });

  it('has no current cluster when the current context names none (the adapters refuse that as InvalidKubeConfig)', async () => {
    const file = await write('config', { 'current-context': 'x', clusters: [], users: [], contexts: [{ name: 'x', context: { cluster: 'gone', user: 'u' } }] });
    expect(loadKubeConfig(file).getCurrentCluster()).toBeNull();
  });
});
