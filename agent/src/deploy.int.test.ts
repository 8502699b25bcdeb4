import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { AuthorizationV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { seededRng, type KubeObject } from '@driftless/core';
import { createKubeTarget, leaseLock } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { binaryPath } from '@driftless/testkit';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAgent } from './agent.js';
import { createLeaderElector } from './leader.js';
import { colorBundle, publishBundle } from './testing/publish.js';

// agent/deploy as a user applies it (`kubectl apply -k`), built with the real
// kustomize and checked by the real kube-apiserver, whose RBAC authorizer
// answers what the agent's ServiceAccount may do.
const env = inject('driftlessEnv');
const DEPLOY = join(import.meta.dirname, '..', 'deploy');
const kc = new KubeConfig();
kc.loadFromFile(env.kube.kubeconfig);
const api = KubernetesObjectApi.makeApiClient(kc);
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

type Obj = KubernetesObject & Record<string, unknown>;
async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await promisify(execFile)(binaryPath('kustomize'), ['build', dir]);
  return parseAllDocuments(stdout).map((d) => d.toJS() as Obj);
}
const apply = (o: KubernetesObject, dryRun?: 'All') => api.patch(o, undefined, dryRun, 'driftless-test', true, PatchStrategy.ServerSideApply);

/** The manifests moved to namespace `ns`, cluster-scoped names suffixed, so applying them for real touches nothing shared. */
function isolated(objects: readonly Obj[], ns: string): Obj[] {
  const text = JSON.stringify(objects)
    .replaceAll('"driftless-system"', JSON.stringify(ns))
    .replaceAll(/"name":"(driftless-agent(?:-wide)?)"/g, `"name":"$1-${ns}"`);
  return JSON.parse(text) as Obj[];
}

/** The RBAC objects (and ServiceAccount) of an overlay of agent/deploy with the wide-rbac component, isolated in `ns`. */
async function wideRbac(ns: string): Promise<Obj[]> {
  const overlay = await mkdtemp(join(tmpdir(), 'driftless-overlay-'));
  dirs.push(overlay);
  await writeFile(
    join(overlay, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${relative(overlay, DEPLOY)}]\ncomponents: [${relative(overlay, join(DEPLOY, 'components', 'wide-rbac'))}]\n`,
  );
  return isolated(await kustomize(overlay), ns).filter((o) => o.apiVersion === 'rbac.authorization.k8s.io/v1' || o.kind === 'ServiceAccount');
}

async function can(ns: string, attrs: { verb: string; resource?: string; group?: string; namespace?: string; name?: string; path?: string }): Promise<boolean> {
  const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${ns}:driftless-agent-${ns}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
        ...(attrs.path
          ? { nonResourceAttributes: { verb: attrs.verb, path: attrs.path } }
          : { resourceAttributes: { verb: attrs.verb, group: attrs.group ?? '', resource: attrs.resource ?? '', namespace: attrs.namespace ?? '', name: attrs.name ?? '' } }),
      },
    },
  });
  return review.status?.allowed ?? false;
}

describe('agent/deploy manifests', () => {
  it('are a Deployment of 2 leader-electing replicas with a PodDisruptionBudget, 256Mi, the verify key and per-cluster store credentials, and the API server accepts them (server-side dry-run)', async () => {
    const objects = await kustomize(DEPLOY);
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      'ClusterRole/driftless-agent',
      'ClusterRoleBinding/driftless-agent',
      'ConfigMap/driftless-verify-key',
      'Deployment/driftless-agent',
      'Namespace/driftless-system',
      'PodDisruptionBudget/driftless-agent',
      'Role/driftless-agent',
      'RoleBinding/driftless-agent',
      'Secret/driftless-store',
      'ServiceAccount/driftless-agent',
    ]);
    interface Container {
      args: string[];
      envFrom: unknown[];
      resources: { limits: { memory: string } };
    }
    const deployment = objects.find((o) => o.kind === 'Deployment') as Obj & { spec: { replicas: number; template: { spec: { containers: Container[]; volumes: unknown[] } } } };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    if (!container) throw new Error('no container');
    expect(deployment.spec.replicas).toBe(2);
    expect(container.args).toEqual(expect.arrayContaining(['--leader-elect', '--verify-key=/etc/driftless/verify/pointer.pub']));
    expect(container.args.some((a) => a.startsWith('--insecure'))).toBe(false);
    expect(container.resources.limits.memory).toBe('256Mi');
    expect(container.envFrom).toEqual([{ secretRef: { name: 'driftless-store' } }]);
    expect(pod.volumes).toEqual([{ name: 'verify-key', configMap: { name: 'driftless-verify-key' } }]);
    expect(objects.find((o) => o.kind === 'PodDisruptionBudget')?.['spec']).toMatchObject({ minAvailable: 1 });

    for (const o of objects.filter((x) => x.kind === 'Namespace')) await apply(o);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect((await apply(o, 'All')).kind).toBe(o.kind);
  });

  it('give the ServiceAccount what the agent does (inventory, Lease, discovery, everyday kinds), and not Secrets, RBAC, CRDs or other namespaces’ Leases, by RBAC of the real API server', async () => {
    const ns = uniqueName('deploy-rbac');
    const rbac = isolated(await kustomize(DEPLOY), ns).filter((o) => o.apiVersion === 'rbac.authorization.k8s.io/v1' || o.kind === 'ServiceAccount');
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const o of rbac) await apply(o);

    const allowed = [
      { verb: 'get', resource: 'configmaps', namespace: ns, name: 'driftless-applyset' },
      { verb: 'patch', resource: 'configmaps', namespace: ns, name: 'driftless-applyset' },
      { verb: 'create', resource: 'configmaps', namespace: ns },
      { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: 'driftless-agent-c1' },
      { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
      { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: 'driftless-agent-c1' },
      { verb: 'get', path: '/apis/apps/v1' },
      { verb: 'get', path: '/api/v1' },
      { verb: 'create', resource: 'namespaces' },
      { verb: 'delete', resource: 'namespaces', name: 'app' },
      { verb: 'list', group: 'apps', resource: 'deployments' },
      { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'app', name: 'web' },
      { verb: 'delete', resource: 'services', namespace: 'app', name: 'web' },
      { verb: 'patch', group: 'networking.k8s.io', resource: 'ingresses', namespace: 'app', name: 'web' },
    ];
    const denied = [
      { verb: 'list', resource: 'secrets' },
      { verb: 'get', resource: 'secrets', namespace: 'kube-system', name: 'any' },
      { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'kube-controller-manager' },
      { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
      { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
      { verb: 'create', resource: 'pods/exec', namespace: 'app' },
      { verb: 'get', resource: 'nodes' },
    ];
    expect(await Promise.all(allowed.map(async (a) => [a, await can(ns, a)]))).toEqual(allowed.map((a) => [a, true]));
    expect(await Promise.all(denied.map(async (a) => [a, await can(ns, a)]))).toEqual(denied.map((a) => [a, false]));

    // And the real agent, as that ServiceAccount (impersonated), with leader election and a signed
    // pointer, on a cluster it never managed: the fresh-cluster check cannot list Secrets, which is no
    // reason to refuse the pointer; the Namespace and ConfigMap are applied, the Secret is refused by
    // RBAC (named in status), and once the operator widens the RBAC it is applied without a restart.
    const asAgent = new KubeConfig();
    asAgent.loadFromOptions({
      clusters: [{ name: 'c', server: env.kube.server, caFile: env.kube.caFile }],
      users: [{ name: 'u', token: env.kube.token, impersonateUser: `system:serviceaccount:${ns}:driftless-agent-${ns}` }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const clock = new VirtualClock(Date.UTC(2026, 10, 22));
    const store = new MemoryObjectStore();
    const keys = generateKeyPairSync('ed25519');
    const agent = createAgent({
      clock,
      rng: seededRng(1),
      store,
      kube: createKubeTarget(asAgent),
      leader: createLeaderElector({ lock: leaseLock(asAgent, ns, 'driftless-agent-c1'), clock, identity: 'pod-0' }),
      config: { cluster: 'c1', intervalMs: 1_000, jitter: 0, parent: { name: 'driftless-applyset', namespace: ns }, verifyKeys: [keys.publicKey] },
    });
    const app = uniqueName('deploy-app');
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: app }, stringData: { k: 'v' } };
    await publishBundle(store, 'c1', [...colorBundle(app, 'blue'), secret], 1, { signWith: keys.privateKey });
    const refused = await agent.step();
    expect(refused).toMatchObject({ phase: 'Failed', generation: 1, error: expect.stringMatching(/^Secret\/.*\/s apply failed: .*forbidden/i) as unknown });
    const admin = createKubeTarget(kc);
    expect((await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: app, name: 'settings' }))?.['data']).toEqual({ color: 'blue' });

    for (const o of await wideRbac(ns)) await apply(o);
    expect(await agent.step()).toMatchObject({ phase: 'Applied', generation: 1 });
    expect(await admin.get({ apiVersion: 'v1', kind: 'Secret', namespace: app, name: 's' })).toBeDefined();
  });

  it('widen to every kind with the wide-rbac component, for fleets whose bundles hold RBAC, CRDs or Secrets', async () => {
    const ns = uniqueName('deploy-wide');
    const rbac = await wideRbac(ns);
    expect(rbac.map((o) => o.metadata?.name)).toContain(`driftless-agent-wide-${ns}`);
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const o of rbac) await apply(o);
    expect(await can(ns, { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' })).toBe(true);
    expect(await can(ns, { verb: 'list', resource: 'secrets' })).toBe(true);
  });
});
