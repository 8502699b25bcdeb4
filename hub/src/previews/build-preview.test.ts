import { APP_ANNOTATION, DEFAULT_BUNDLE_LIMITS, encodeValidatedBundle, previewSlugs, PREVIEW_LABEL, type KubeObject } from '@driftless/core';
import { MemoryRepository } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { compileFleet } from '../compile.js';
import { noKustomize } from '../testing/unit-hub.js';
import { buildPreview } from './build-preview.js';
import type { BuildableBase } from './preview-types.js';

const FLEET = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: apps/web
      targets:
        - selector: { matchLabels: { tier: big } }
          vars: { replicas: "5" }
        - selector: {}
          vars: { replicas: "1" }
    - name: api
      path: apps/api
      targets: [{ selector: { matchLabels: { env: prod } }, overlay: apps/api-prod }]
    - name: db
      path: apps/db
      targets: [{ selector: {} }]
  previews:
    branches: ["feature/*"]
    clusters: { matchLabels: { previews: "true" } }
    apps: [web, api]
    namespace: "pr-\${branch.slug}"
    vars: { host: "\${branch.slug}.\${cluster.name}.example.com", who: "\${branch.name}" }
`;

function clusterFile(name: string, labels: string, size: string): string {
  return `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { ${labels} } }\nspec: { vars: { size: "${size}", host: "${name}.example.com", who: nobody } }\n`;
}

const WEB = `apiVersion: v1
kind: ConfigMap
metadata: { name: web, namespace: elsewhere, labels: { app: web } }
data: { replicas: "\${vars.replicas}", host: "\${vars.host}", who: "\${vars.who}", cluster: "\${cluster.name}", version: "1" }
---
apiVersion: example.com/v1
kind: Widget
metadata: { name: gadget }
`;

const FILES = {
  'fleet.yaml': FLEET,
  'apps/web/web.yaml': WEB,
  'apps/api/api.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: api }\ndata: { size: "${vars.size}" }\n',
  'apps/api-prod/api.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: api-prod }\n',
  'apps/db/db.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: db }\n',
  'clusters/dev-1.yaml': clusterFile('dev-1', 'previews: "true", tier: big', 's'),
  'clusters/dev-2.yaml': clusterFile('dev-2', 'previews: "true"', 'm'),
  'clusters/prod-1.yaml': clusterFile('prod-1', 'env: prod', 'l'),
};

const BRANCH = 'feature/Login';

async function baseOf(repo: MemoryRepository): Promise<BuildableBase> {
  const { reader } = await repo.sync({ repo: repo.url });
  const compiled = await compileFleet(reader, { kustomize: noKustomize });
  const base = compiled.previewBase;
  if (!base?.spec) throw new Error('the compile gave no previewBase with spec.previews');
  return { ...base, spec: base.spec, branch: 'main' };
}

/** The fleet on main, `changes` committed on BRANCH, and that branch's preview built. */
async function build(changes: Record<string, string | null>, opts: { allowPlainSecrets?: boolean } = {}): Promise<ReadonlyMap<string, readonly KubeObject[]>> {
  const repo = new MemoryRepository();
  repo.commit(FILES, 'fleet');
  // A new memory branch starts from an empty tree: give it main's files, then the branch's work.
  repo.commit({ ...FILES, ...changes }, 'branch work', BRANCH);
  const base = await baseOf(repo);
  const { reader } = await repo.sync({ repo: repo.url, ref: BRANCH });
  const name = previewSlugs([BRANCH], base.spec.namespace).get(BRANCH);
  if (!name) throw new Error('no slug');
  return buildPreview({ branch: BRANCH, slug: name.slug, namespace: name.namespace, reader, base }, { kustomize: noKustomize, ...opts });
}

async function buildError(changes: Record<string, string | null>): Promise<string> {
  const err = await build(changes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the build must fail').toBeInstanceOf(Error);
  return (err as Error).message;
}

const byName = (objects: readonly KubeObject[] | undefined, kind: string, name: string): KubeObject | undefined => objects?.find((o) => o.kind === kind && o.metadata.name === name);

describe('buildPreview', () => {
  it('puts every object of the previewed apps in the preview namespace, marked, with the Namespace, for each host only', async () => {
    const built = await build({ 'apps/web/web.yaml': WEB.replace('version: "1"', 'version: "2"') });
    expect([...built.keys()]).toEqual(['dev-1', 'dev-2']);
    const objects = built.get('dev-1') ?? [];
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'ConfigMap/pr-feature-login/api',
      'ConfigMap/pr-feature-login/web',
      'Namespace//pr-feature-login',
      'Widget/pr-feature-login/gadget',
    ]);
    expect(byName(objects, 'Namespace', 'pr-feature-login')?.metadata).toEqual({ name: 'pr-feature-login', labels: { [PREVIEW_LABEL]: 'feature-login', 'pod-security.kubernetes.io/enforce': 'baseline' } });
    const web = byName(objects, 'ConfigMap', 'web');
    expect(web?.metadata['labels']).toEqual({ app: 'web', [PREVIEW_LABEL]: 'feature-login' });
    expect(web?.metadata['annotations']).toEqual({ [APP_ANNOTATION]: 'pr-feature-login/web' });
    expect(byName(objects, 'Widget', 'gadget')?.metadata['annotations']).toEqual({ [APP_ANNOTATION]: 'pr-feature-login/web' });
    expect(byName(objects, 'ConfigMap', 'api')?.metadata['annotations']).toEqual({ [APP_ANNOTATION]: 'pr-feature-login/api' });
    expect((web as { data?: Record<string, string> } | undefined)?.data?.['version'], 'the branch commit renders').toBe('2');
    for (const [host, objs] of built) {
      const encoded = encodeValidatedBundle(objs, new WeakMap(), DEFAULT_BUNDLE_LIMITS);
      expect(encoded.bundle.objects, `${host} is in bundle order`).toEqual(objs);
    }
  });

  it('renders with the host vars, the first selecting target of the branch (else the app path) and the preview vars on top', async () => {
    const built = await build({ 'fleet.yaml': FLEET.replace('vars: { replicas: "1" }', 'vars: { replicas: "2" }') });
    const data = (host: string, name: string): Record<string, string> | undefined => (byName(built.get(host), 'ConfigMap', name) as { data?: Record<string, string> } | undefined)?.data;
    expect(data('dev-1', 'web')).toEqual({ replicas: '5', host: 'feature-login.dev-1.example.com', who: BRANCH, cluster: 'dev-1', version: '1' });
    expect(data('dev-2', 'web')).toMatchObject({ replicas: '2', host: 'feature-login.dev-2.example.com' });
    expect(data('dev-2', 'api'), 'no target selects dev-2: the app path, cluster vars').toEqual({ size: 'm' });
    expect(data('prod-1', 'web'), 'not a host').toBeUndefined();
  });

  it('refuses a cluster-scoped object naming its file:line, kind/name, app and branch', async () => {
    const message = await buildError({ 'apps/web/role.yaml': '# reads\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: reader }\n' });
    expect(message).toMatch(/apps\/web\/role\.yaml:2: ClusterRole\/reader of app web is cluster-scoped/);
    expect(message).toMatch(/branch feature\/Login/);
    expect(message).toMatch(/namespaced objects only/);
  });

  it('refuses a custom resource that a CRD of the same render declares cluster-scoped', async () => {
    const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec: { group: example.com, scope: Cluster, names: { kind: Widget, plural: widgets } }\n';
    expect(await buildError({ 'apps/api/crd.yaml': crd }), 'web renders first: its Widget, cluster-scoped by the CRD of app api').toMatch(/apps\/web\/web\.yaml:6: Widget\/gadget of app web is cluster-scoped/);
  });

  it('refuses a previewed app the branch does not define, naming the branch and fleet.yaml', async () => {
    const fleet = FLEET.replace(/ {4}- name: api\n.*\n.*\n/, '').replace('apps: [web, api]', 'apps: [web]');
    const message = await buildError({ 'fleet.yaml': fleet });
    expect(message).toMatch(/branch feature\/Login/);
    expect(message).toMatch(/fleet\.yaml: app api is previewed .* this branch's fleet\.yaml does not define it/);
  });

  it('refuses a branch whose fleet.yaml is broken with fleet.yaml:line', async () => {
    const message = await buildError({ 'fleet.yaml': FLEET.replace('path: apps/web', 'path: ../web') });
    expect(message).toMatch(/^preview of branch feature\/Login build failed: fleet\.yaml:6: spec\.apps\[0\]\.path: /);
  });

  it('refuses a plain Secret unless plain secrets are allowed', async () => {
    const secret = { 'apps/web/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: { name: db }\nstringData: { password: x }\n' };
    expect(await buildError(secret)).toMatch(/apps\/web\/secret\.yaml:1: Secret\/db holds data in plain text/);
    const built = await build(secret, { allowPlainSecrets: true });
    expect(byName(built.get('dev-2'), 'Secret', 'db')?.metadata.namespace).toBe('pr-feature-login');
  });
});

describe('compileFleet previewBase', () => {
  it('gives the hosts the selector matches and a digest of what a preview build reads from the base', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES, 'fleet');
    const first = await baseOf(repo);
    expect(first.hosts.map((h) => h.metadata.name)).toEqual(['dev-1', 'dev-2']);
    expect(first.spec.apps).toEqual(['web', 'api']);
    expect(first.revision).toBe(repo.head());
    expect(first.inputs).toMatch(/^[0-9a-f]{64}$/);
    expect(first.releaseNamespaces, 'fleet.yaml apps without a namespace deliver to default').toEqual(['default']);

    repo.commit({ 'clusters/prod-1.yaml': clusterFile('prod-1', 'env: prod', 'xl'), 'apps/db/db.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: db2 }\n' }, 'unrelated');
    const unrelated = await baseOf(repo);
    expect(unrelated.inputs, 'a cluster that hosts none and an app not previewed').toBe(first.inputs);

    repo.commit({ 'clusters/dev-2.yaml': clusterFile('dev-2', 'previews: "true"', 'xl') }, 'a host changes');
    expect((await baseOf(repo)).inputs).not.toBe(first.inputs);
  });

  it('still lists every host when the memo skips clusters, and is removal-only without spec.previews', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES, 'fleet');
    const { reader } = await repo.sync({ repo: repo.url });
    const first = await compileFleet(reader, { kustomize: noKustomize });
    repo.commit({ 'apps/db/db.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: db2 }\n' }, 'db only');
    const second = await compileFleet((await repo.sync({ repo: repo.url })).reader, { kustomize: noKustomize, memo: first.memo });
    expect(second.previewBase?.hosts.map((h) => h.metadata.name)).toEqual(['dev-1', 'dev-2']);
    expect(second.previewBase?.inputs).toBe(first.previewBase?.inputs);

    repo.commit({ 'fleet.yaml': FLEET.replace(/ {2}previews:[\s\S]*$/, '') }, 'no previews');
    expect((await compileFleet((await repo.sync({ repo: repo.url })).reader, { kustomize: noKustomize })).previewBase).toMatchObject({ spec: undefined, hosts: [] });
  });
});
