import { binaryPath, commitFiles, createBareRepo, fixtureFleet } from '@driftless/testkit';
import { previewSlugs, type KubeObject } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { compileFleet, DEFAULT_MAX_FILE_BYTES } from '../compile.js';
import { openTreeReader } from '../git/git-tree-reader.js';
import { helmRunner } from '../render/helm.js';
import { kustomizeRunner } from '../render/kustomize.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { buildPreview } from './build-preview.js';

const tempDir = tempDirs('build-preview');

const FLEET = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: apps/web/base
      namespace: web
      targets:
        - selector: { matchLabels: { previews: "true" } }
          overlay: apps/web/overlays/preview
          vars: { tier: small }
        - selector: {}
          vars: { tier: large }
    - name: chart
      path: apps/chart
      targets: [{ selector: {}, values: { greeting: "hello \${vars.host}" } }]
  previews:
    branches: ["feature/*"]
    clusters: { matchLabels: { previews: "true" } }
    apps: [web, chart]
    namespace: "pr-\${branch.slug}"
    vars: { host: "\${branch.slug}.example.com" }
`;

const cluster = (name: string, labels: string): string =>
  `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { ${labels} } }\nspec: { vars: { host: ${name}.example.com } }\n`;

const FILES = {
  'fleet.yaml': FLEET,
  'clusters/dev-1.yaml': cluster('dev-1', 'previews: "true"'),
  'clusters/prod-1.yaml': cluster('prod-1', 'env: prod'),
  'apps/web/base/kustomization.yaml': 'resources: [cm.yaml]\n',
  'apps/web/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: web }\ndata: { tier: "${vars.tier}", host: "${vars.host}", version: "1" }\n',
  'apps/web/overlays/preview/kustomization.yaml': 'resources: [../../base]\nnamePrefix: pv-\n',
  'apps/chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 0.1.0\n',
  'apps/chart/values.yaml': 'greeting: none\n',
  'apps/chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  release: {{ .Release.Name }}/{{ .Release.Namespace }}\n',
};

const BRANCH = 'feature/Blue';

const renderers = () => ({ kustomize: kustomizeRunner({ binary: binaryPath('kustomize'), maxFileBytes: DEFAULT_MAX_FILE_BYTES }), helm: helmRunner({ binary: binaryPath('helm'), maxFileBytes: DEFAULT_MAX_FILE_BYTES }) });

/** `files` committed on main and on BRANCH (with `changes`) of a real bare repository, and BRANCH's preview built against main's compile. */
async function buildFromGit(files: Record<string, string>, changes: Record<string, string>): Promise<ReadonlyMap<string, readonly KubeObject[]>> {
  const bare = await createBareRepo(await tempDir(), 'fleet');
  const main = await commitFiles(bare, files, 'fleet');
  const branch = await commitFiles(bare, { ...files, ...changes }, 'branch work', BRANCH);
  const opts = renderers();
  const compiled = await compileFleet(await openTreeReader(bare, main), opts);
  const spec = compiled.previewBase?.spec;
  if (!compiled.previewBase || !spec) throw new Error('the compile gave no previewBase with spec.previews');
  const base = { ...compiled.previewBase, spec, branch: 'main' };
  const name = previewSlugs([BRANCH], base.spec.namespace).get(BRANCH) ?? { slug: '', namespace: '' };
  return buildPreview({ branch: BRANCH, ...name, reader: await openTreeReader(bare, branch), base }, opts);
}

describe('buildPreview with the real git, kustomize and helm', () => {
  it('leaves out the config app\'s own Namespace (the preview namespace replaces it) and refuses a ClusterRole, naming its file:line and the branch', async () => {
    const files = fixtureFleet();
    const previews = '  previews:\n    branches: ["feature/*"]\n    clusters: { matchLabels: { env: prod } }\n    apps: [web, config]\n    namespace: "pr-${branch.slug}"\n';
    const withPreviews = { ...files, 'fleet.yaml': `${files['fleet.yaml'] ?? ''}${previews}` };
    const built = await buildFromGit(withPreviews, {});
    const kinds = [...built.values()].flat().map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).not.toContain('Namespace/config');
    expect(kinds).toContain('Namespace/pr-feature-blue');
    const role = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: reader }\nrules: []\n';
    const err = await buildFromGit(withPreviews, { 'apps/config/role.yaml': role }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^preview of branch feature\/Blue build failed: apps\/config\/role\.yaml:1: ClusterRole\/reader of app config is cluster-scoped, .*namespaced objects only/);
  });

  it('renders a kustomize overlay and a Helm chart of the branch commit into the preview namespace with the preview vars', async () => {
    const built = await buildFromGit(FILES, { 'apps/web/base/cm.yaml': FILES['apps/web/base/cm.yaml'].replace('version: "1"', 'version: "2"') });

    expect([...built.keys()]).toEqual(['dev-1']);
    const objects = built.get('dev-1') ?? [];
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual(['ConfigMap/pr-feature-blue/chart-greeting', 'ConfigMap/pr-feature-blue/pv-web', 'Namespace//pr-feature-blue']);
    const data = (n: string): unknown => (objects.find((o) => o.metadata.name === n) as (KubeObject & { data?: unknown }) | undefined)?.data;
    expect(data('pv-web'), 'the overlay, the target vars, the preview vars, the branch commit').toEqual({ tier: 'small', host: 'feature-blue.example.com', version: '2' });
    expect(data('chart-greeting'), 'values with the preview vars, released in the preview namespace').toEqual({ greeting: 'hello feature-blue.example.com', release: 'chart/pr-feature-blue' });
  });
});
