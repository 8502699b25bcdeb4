import type { RepoReader, SourceFile } from '@driftless/core';
import { binaryPath, commitFiles, createBareRepo } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { compileFleet, DEFAULT_MAX_FILE_BYTES, type CompiledFleet } from './compile.js';
import { openTreeReader } from './git/git-tree-reader.js';
import { helmRunner } from './render/helm.js';
import { HELM_KUBE_VERSION, type HelmRenderRequest, type HelmRunner } from './render/helm-runner.js';
import { kustomizeRunner } from './render/kustomize.js';
import { tempDirs } from './testing/temp-dirs.js';

const tempDir = tempDirs('compile-helm');

/** The hub's real helm runner, counting its runs. */
function realHelm(): HelmRunner & { runs: HelmRenderRequest[] } {
  const runs: HelmRenderRequest[] = [];
  const helm = helmRunner({ binary: binaryPath('helm'), maxFileBytes: DEFAULT_MAX_FILE_BYTES });
  const run = (reader: RepoReader, req: HelmRenderRequest): Promise<SourceFile[]> => {
    runs.push(req);
    return helm(reader, req);
  };
  return Object.assign(run, { runs, ...(helm.identity ? { identity: helm.identity } : {}) });
}

const CLUSTERS = Object.fromEntries(
  ['dev-1', 'dev-2', 'prod-1', 'prod-2', 'prod-3'].map((name) => [
    `clusters/${name}.yaml`,
    `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { env: ${name.replace(/-\d$/, '')}, region: eu-${name.slice(-1)} } }\n`,
  ]),
);

const CHART = {
  'apps/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.2.3\n',
  'apps/web/values.yaml': 'replicas: 1\ntier: free\nregion: none\n',
  'apps/web/templates/settings.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-settings',
    'data:',
    '  replicas: {{ .Values.replicas | quote }}',
    '  tier: {{ .Values.tier }}',
    '  region: {{ .Values.region }}',
    '  release: {{ .Release.Name }}/{{ .Release.Namespace }}',
    '  kube: {{ .Capabilities.KubeVersion.Version }}',
    '  run.sh: "echo ${HOME}"',
    '',
  ].join('\n'),
};

function fleet(webTargets: string): string {
  return `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: config
      path: apps/config
      targets: [{ selector: {} }]
    - name: base
      path: apps/base
      namespace: base
      targets: [{ selector: {} }]
    - name: web
      path: apps/web
      namespace: web
      targets:
${webTargets}`;
}

async function compileRepo(files: Record<string, string>): Promise<{ compiled: CompiledFleet; helm: ReturnType<typeof realHelm> }> {
  const root = await tempDir();
  const bare = await createBareRepo(root, 'fleet');
  const commit = await commitFiles(bare, files, 'fleet');
  const helm = realHelm();
  const kustomize = kustomizeRunner({ binary: binaryPath('kustomize'), maxFileBytes: 1 << 20 });
  return { compiled: await compileFleet(await openTreeReader(bare, commit), { kustomize, helm }), helm };
}

const FILES = {
  ...CLUSTERS,
  ...CHART,
  'apps/config/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: plain }\ndata: { cluster: "${cluster.name}" }\n',
  'apps/base/kustomization.yaml': 'resources: [cm.yaml]\nnamePrefix: k-\n',
  'apps/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: built }\n',
};

const webSettings = (c: CompiledFleet, cluster: string) => c.bundles.get(cluster)?.bundle.objects.find((o) => o.metadata.name === 'web-settings');

describe('compile with a Helm chart app, rendered by the real helm', () => {
  it('compiles a fleet mixing plain, kustomize and Helm apps: helm runs once for every cluster, and its ${...} stays', async () => {
    const { compiled, helm } = await compileRepo({ ...FILES, 'fleet.yaml': fleet('        - selector: {}\n') });
    expect(helm.runs).toHaveLength(1);
    expect(compiled.bundles.get('prod-2')?.bundle.objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['base/k-built', 'default/plain', 'web/web-settings']);
    expect(webSettings(compiled, 'dev-1')?.['data']).toEqual({ replicas: '1', tier: 'free', region: 'none', release: 'web/web', kube: HELM_KUBE_VERSION, 'run.sh': 'echo ${HOME}' });
  });

  // Needs the values of appsForCluster (issue 15, core helm-values): AppInstance.values.
  it('gives each environment its values: every matching target in order, with ${...} substituted, one helm run per distinct set', async () => {
    const targets = [
      '        - selector: { matchLabels: { env: prod } }',
      '          values: { replicas: 3, region: "${cluster.labels.region}" }',
      '        - selector: {}',
      '          values: { tier: paid }',
      '',
    ].join('\n');
    const { compiled, helm } = await compileRepo({ ...FILES, 'fleet.yaml': fleet(targets) });
    expect(helm.runs, 'dev; prod in eu-1, eu-2, eu-3').toHaveLength(4);
    expect(webSettings(compiled, 'prod-2')?.['data']).toMatchObject({ replicas: '3', tier: 'paid', region: 'eu-2' });
    expect(webSettings(compiled, 'dev-1')?.['data']).toMatchObject({ replicas: '1', tier: 'paid', region: 'none' });
  });

  it('names the app, a cluster and how many more share the values when the chart refuses them', async () => {
    const chart = {
      ...CHART,
      'apps/web/templates/greeting.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: greeting }\ndata:\n  text: {{ required "greeting is required" .Values.greeting }}\n',
    };
    const targets = ['        - selector: { matchLabels: { env: prod } }', '          values: { greeting: hello }', '        - selector: { matchLabels: { env: dev } }', '          values: { tier: dev }', ''].join('\n');
    const err = await compileRepo({ ...FILES, ...chart, 'fleet.yaml': fleet(targets) }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^apps\/web: app web for cluster dev-1 \(and 1 more\): helm template failed: execution error at \(apps\/web\/templates\/greeting\.yaml:5:\d+\): greeting is required$/);
  });
});
