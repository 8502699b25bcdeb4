import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { RepoReader, SourceFile } from '@driftless/core';
import { binaryPath, commitFiles, createBareRepo } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { compileFleet, type CompiledFleet } from './compile.js';
import { openTreeReader } from './git/git-tree-reader.js';
import { HELM_KUBE_VERSION, type HelmRenderRequest, type HelmRunner } from './render/helm-runner.js';
import { kustomizeRunner } from './render/kustomize.js';
import { tempDirs } from './testing/temp-dirs.js';

const tempDir = tempDirs('compile-helm');

// Until the hub's helm runner (render/helm.ts) and the testkit's helm path merge, a minimal
// stand-in in test code only: it runs the real helm binary on the chart's files.
const HELM = join(homedir(), '.cache/driftless/bin/helm-v4.3.1');

/** The real `helm template`, counting its runs: chart files copied out of git, one SourceFile per `# Source:` section. */
function realHelm(): HelmRunner & { runs: HelmRenderRequest[] } {
  const runs: HelmRenderRequest[] = [];
  const run = async (reader: RepoReader, req: HelmRenderRequest): Promise<SourceFile[]> => {
    runs.push(req);
    const root = await tempDir();
    const copy = async (dir: string): Promise<void> => {
      for (const e of await reader.list(dir)) {
        if (e.type === 'dir') await copy(e.path);
        else if (e.type === 'file') {
          await mkdir(dirname(join(root, e.path)), { recursive: true });
          await writeFile(join(root, e.path), await reader.readFile(e.path, 1 << 20));
        }
      }
    };
    await copy(req.dir);
    const files = await Promise.all(req.values.map(async (v, i) => (await writeFile(join(root, `values-${i}.json`), JSON.stringify(v)), ['-f', join(root, `values-${i}.json`)])));
    const args = ['template', req.release, join(root, req.dir), '--namespace', req.namespace, '--kube-version', HELM_KUBE_VERSION, '--skip-tests', '--include-crds', ...files.flat()];
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: root, HELM_CACHE_HOME: root, HELM_CONFIG_HOME: root, HELM_DATA_HOME: root };
    const { stdout } = await promisify(execFile)(HELM, args, { env });
    return stdout.split(/^---\n# Source: [^/]+\//m).slice(1).map((section) => {
      const [template = '', ...rest] = section.split('\n');
      return { path: `${req.dir}/${template}`, text: rest.join('\n'), literal: true };
    });
  };
  return Object.assign(run, { runs });
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
});
