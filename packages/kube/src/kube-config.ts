import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { DriftlessError } from '@driftless/core';
import { parse } from 'yaml';

/** A kubeconfig cluster, as client-node's KubeConfig names its fields. */
export interface KubeCluster {
  readonly name: string;
  readonly server: string;
  readonly caData?: string | undefined;
  readonly caFile?: string | undefined;
  readonly skipTLSVerify?: boolean | undefined;
  readonly tlsServerName?: string | undefined;
  readonly proxyUrl?: string | undefined;
}

/** A kubeconfig user, as client-node's KubeConfig names its fields (exec and authProvider are passed on as they are). */
export interface KubeUser {
  readonly name: string;
  readonly certData?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyData?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly token?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly impersonateUser?: string | undefined;
  readonly exec?: unknown;
  readonly authProvider?: unknown;
}

/**
 * What the adapters read of a kubeconfig: the current context's cluster and
 * user. Both client-node's `KubeConfig` (tests, tools) and {@link loadKubeConfig}
 * (the agent) have this shape. `applyToHTTPSOptions` is asked only for what
 * this package does not do itself: users with exec plugins or auth providers,
 * and clusters reached through a proxy.
 */
export interface KubeConfigSource {
  getCurrentContext(): string;
  getCurrentCluster(): KubeCluster | null;
  getCurrentUser(): KubeUser | null;
  /** The context's default namespace, as client-node's KubeConfig answers it. */
  getContextObject?(name: string): { readonly namespace?: string | undefined } | null;
  applyToHTTPSOptions?(opts: KubeAuthOptions & { agent?: unknown }): Promise<void>;
  /**
   * Only the credentials of an exec plugin or auth provider: headers, and the
   * client certificate an exec plugin may return (`cert`, `key`). Preferred
   * over `applyToHTTPSOptions`, which also reads the TLS files and builds an agent.
   */
  applyAuthorization?(opts: KubeAuthOptions): Promise<void>;
}

/** What client-node's authenticators fill in. */
export interface KubeAuthOptions {
  headers?: Record<string, unknown>;
  cert?: unknown;
  key?: unknown;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Named<T> {
  readonly name: string;
  readonly value: T;
}

interface KubeConfigFile {
  readonly clusters: Named<KubeCluster>[];
  readonly users: Named<KubeUser>[];
  readonly contexts: Named<{ cluster: string; user: string; namespace?: string | undefined }>[];
  readonly currentContext: string;
}

/**
 * Loads a kubeconfig the way client-node's `loadFromFile`/`loadFromDefault`
 * does, without loading client-node: `file`, else the files of $KUBECONFIG
 * (merged, the first definition of a name winning), else ~/.kube/config, else
 * the in-cluster service account, else http://localhost:8080. Relative file
 * paths are resolved against the kubeconfig's directory. Users with an exec
 * plugin or an auth provider are authenticated by client-node, loaded only
 * when such a user sends its first request.
 */
export function loadKubeConfig(file?: string, env: NodeJS.ProcessEnv = process.env): KubeConfigSource {
  // As client-go's loading rules: an explicit file must exist, the files $KUBECONFIG lists need not.
  const files = file ? [file] : (env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '' && existsSync(f));
  if (files.length === 0 && !file && !env['KUBECONFIG']) {
    const home = join(homedir(), '.kube', 'config');
    if (existsSync(home)) files.push(home);
  }
  if (files.length > 0) return sourceOf(merge(files.map(readKubeConfigFile)));
  if (existsSync(`${SERVICE_ACCOUNT}/token`)) return sourceOf(inCluster(env));
  const local = { clusters: [{ name: 'cluster', value: { name: 'cluster', server: 'http://localhost:8080' } }], users: [{ name: 'user', value: { name: 'user' } }] };
  return sourceOf({ ...local, contexts: [{ name: 'loaded-context', value: { cluster: 'cluster', user: 'user' } }], currentContext: 'loaded-context' });
}

/** client-node's KubeConfig, with the method (private in its typings) that applies only a user's credentials. */
interface AuthorizingKubeConfig {
  applyAuthorizationHeader(opts: KubeAuthOptions): Promise<void>;
  applyToHTTPSOptions(opts: KubeAuthOptions & { agent?: unknown }): Promise<void>;
}

/** `config`'s current context. */
function sourceOf(config: KubeConfigFile): KubeConfigSource {
  const context = config.contexts.find((c) => c.name === config.currentContext)?.value;
  const cluster = config.clusters.find((c) => c.name === context?.cluster)?.value ?? null;
  const user = config.users.find((u) => u.name === context?.user)?.value ?? null;
  // Exec plugins, auth providers (token caching, refresh, cloud SDKs) and proxies are client-node's: loaded on first
  // use only, then kept, since its authenticators cache the credentials they obtained. It is given exactly the cluster
  // and user chosen here: loading the kubeconfig again, it would merge $KUBECONFIG its own way (the last
  // current-context winning) and could authenticate as another context's user.
  let delegate: Promise<AuthorizingKubeConfig> | undefined;
  const load = (): Promise<AuthorizingKubeConfig> =>
    (delegate ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      // Same field names; an undefined field reads as an absent one to client-node.
      type Args = Parameters<typeof kc.loadFromClusterAndUser>;
      kc.loadFromClusterAndUser((cluster ?? { name: 'cluster', server: '' }) as Args[0], (user ?? { name: 'user' }) as Args[1]);
      return kc as unknown as AuthorizingKubeConfig;
    }));
  return {
    getCurrentContext: () => config.currentContext,
    getCurrentCluster: () => cluster,
    getCurrentUser: () => user,
    getContextObject: (name) => (name === config.currentContext && context ? { namespace: context.namespace } : null),
    async applyToHTTPSOptions(opts) {
      await (await load()).applyToHTTPSOptions(opts);
    },
    async applyAuthorization(opts) {
      await (await load()).applyAuthorizationHeader(opts);
    },
  };
}

function merge(configs: readonly KubeConfigFile[]): KubeConfigFile {
  const first = <T>(lists: readonly Named<T>[][]): Named<T>[] => {
    const byName = new Map<string, Named<T>>();
    for (const list of lists) for (const item of list) if (!byName.has(item.name)) byName.set(item.name, item);
    return [...byName.values()];
  };
  return {
    clusters: first(configs.map((c) => c.clusters)),
    users: first(configs.map((c) => c.users)),
    contexts: first(configs.map((c) => c.contexts)),
    currentContext: configs.find((c) => c.currentContext)?.currentContext ?? '',
  };
}

type Raw = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): Raw[] => (Array.isArray(v) ? v.filter((e): e is Raw => typeof e === 'object' && e !== null) : []);
const obj = (v: unknown): Raw => (typeof v === 'object' && v !== null ? (v as Raw) : {});

/** One kubeconfig file, its relative paths made absolute. */
export function readKubeConfigFile(file: string): KubeConfigFile {
  let raw: Raw;
  try {
    raw = obj(parse(readFileSync(file, 'utf8')));
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0] ?? String(err);
    throw new DriftlessError('InvalidKubeConfig', `kubeconfig ${file} load failed: ${reason}`, { context: '', reason }, { cause: err });
  }
  const dir = dirname(file);
  const path = (p: unknown): string | undefined => {
    const s = str(p);
    return s && !isAbsolute(s) ? join(dir, s) : s;
  };
  return {
    clusters: list(raw['clusters']).map((e) => {
      const c = obj(e['cluster']);
      const name = str(e['name']) ?? '';
      const value = { name, server: str(c['server']) ?? '', caData: str(c['certificate-authority-data']), caFile: path(c['certificate-authority']), skipTLSVerify: c['insecure-skip-tls-verify'] === true, tlsServerName: str(c['tls-server-name']), proxyUrl: str(c['proxy-url']) };
      return { name, value };
    }),
    users: list(raw['users']).map((e) => ({ name: str(e['name']) ?? '', value: userOf(str(e['name']) ?? '', obj(e['user']), path) })),
    contexts: list(raw['contexts']).map((e) => {
      const c = obj(e['context']);
      return { name: str(e['name']) ?? '', value: { cluster: str(c['cluster']) ?? '', user: str(c['user']) ?? '', namespace: str(c['namespace']) } };
    }),
    currentContext: str(raw['current-context']) ?? '',
  };
}

function userOf(name: string, u: Raw, path: (p: unknown) => string | undefined): KubeUser {
  const tokenFile = path(u['tokenFile']);
  return {
    name,
    certData: str(u['client-certificate-data']),
    certFile: path(u['client-certificate']),
    keyData: str(u['client-key-data']),
    keyFile: path(u['client-key']),
    // A token file is read again before each request (see kube-http.ts), as projected service-account tokens rotate.
    token: str(u['token']),
    ...(tokenFile && !str(u['token']) ? { authProvider: { name: 'tokenFile', config: { tokenFile } } } : {}),
    username: str(u['username']),
    password: str(u['password']),
    impersonateUser: str(u['as']),
    ...(u['exec'] ? { exec: u['exec'] } : {}),
    ...(u['auth-provider'] ? { authProvider: u['auth-provider'] } : {}),
  };
}

/** The in-cluster service account, as client-node's `loadFromCluster` builds it (its namespace the pod's). */
function inCluster(env: NodeJS.ProcessEnv): KubeConfigFile {
  const namespaceFile = `${SERVICE_ACCOUNT}/namespace`;
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() || undefined : undefined;
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '';
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const server = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    clusters: [{ name: 'inCluster', value: { name: 'inCluster', server, caFile: `${SERVICE_ACCOUNT}/ca.crt`, skipTLSVerify: false } }],
    users: [{ name: 'inClusterUser', value: { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${SERVICE_ACCOUNT}/token` } } } }],
    contexts: [{ name: 'inClusterContext', value: { cluster: 'inCluster', user: 'inClusterUser', namespace } }],
    currentContext: 'inClusterContext',
  };
}
