import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseYamlDocuments, splitYamlDocuments, type KubeObject } from '@driftless/core';
import { systemClock } from '@driftless/clock';
import { createFileStore } from '@driftless/store';
import { uniqueName } from '@driftless/contracts';
import { binaryPath, capabilitiesChart, commitFiles, createBareRepo, vendoredDependencyChart } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { createHub } from './hub.js';
import { nodeHubDeps } from './node-hub-deps.js';
import { HELM_KUBE_VERSION } from './render/helm-runner.js';
import { bundleOf } from './testing/store-reads.js';
import { tempDirs } from './testing/temp-dirs.js';

// Issue 15 item 5: each fixture chart compiled by the hub from a fleet on the
// real git server, every cluster's bundle compared with what the same helm
// binary's own `helm template` prints for the same values files. The only
// difference allowed is Driftless's namespace defaulting.
const env = inject('driftlessEnv');
const tempDir = tempDirs('helm-compare');
const exec = promisify(execFile);
const HELM = binaryPath('helm');

/** Kinds of the fixture charts that are cluster-scoped: they get no namespace. */
const CLUSTER_SCOPED = new Set(['CustomResourceDefinition', 'Namespace']);

/** Two prod clusters in different regions and one dev cluster. */
const CLUSTERS = {
  'clusters/prod-1.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: prod-1, labels: { env: prod, region: eu-1 } }\n',
  'clusters/prod-2.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: prod-2, labels: { env: prod, region: eu-2 } }\n',
  'clusters/dev-1.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: dev-1, labels: { env: dev, region: eu-1 } }\n',
};

/**
 * App `shop` (the vendored-dependency chart, values per environment: every
 * cluster 2 replicas and the cache port, then prod 3 replicas (later wins) and
 * its region as color, dev another image tag) and app `probe` (the .Capabilities/.Release chart, namespace
 * observability).
 */
const FLEET = `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: shop
      path: apps/web
      namespace: shop
      targets:
        - selector: {}
          values: { replicas: 2, cache: { port: 7000 } }
        - selector: { matchLabels: { env: prod } }
          values: { replicas: 3, color: "\${cluster.labels.region}" }
        - selector: { matchLabels: { env: dev } }
          values: { image: { tag: "1.28-dev" } }
    - name: probe
      path: charts/probe
      namespace: observability
      targets: [{ selector: {} }]
`;

const FILES = { ...CLUSTERS, ...vendoredDependencyChart('apps/web'), ...capabilitiesChart('charts/probe'), 'fleet.yaml': FLEET };

/** The values files each cluster's `shop` rendering must equal, written by hand (substituted, in target order). */
const SHOP_VALUES: Record<string, unknown[]> = {
  'prod-1': [{ replicas: 2, cache: { port: 7000 } }, { replicas: 3, color: 'eu-1' }],
  'prod-2': [{ replicas: 2, cache: { port: 7000 } }, { replicas: 3, color: 'eu-2' }],
  'dev-1': [{ replicas: 2, cache: { port: 7000 } }, { image: { tag: '1.28-dev' } }],
};

/** `helm template` run directly by the test on the chart's files written to disk, parsed, with namespace defaulting applied. */
async function helmTemplate(chartFiles: Record<string, string>, chartDir: string, release: string, namespace: string, values: unknown[]): Promise<KubeObject[]> {
  const root = await tempDir();
  for (const [path, text] of Object.entries(chartFiles)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const valueFlags: string[] = [];
  for (const [i, v] of values.entries()) {
    await writeFile(join(root, `values-${i}.json`), JSON.stringify(v));
    valueFlags.push('-f', join(root, `values-${i}.json`));
  }
  const args = ['template', release, join(root, chartDir), '--namespace', namespace, '--kube-version', HELM_KUBE_VERSION, '--include-crds', ...valueFlags];
  const { stdout } = await exec(HELM, args, { env: { PATH: process.env['PATH'] ?? '', HOME: root } });
  return splitYamlDocuments(stdout)
    .flatMap((chunk) => parseYamlDocuments(chunk.text, 'helm template').map((d) => d.value as KubeObject))
    .filter((o) => o !== null)
    .map((o) => (CLUSTER_SCOPED.has(o.kind) || o.metadata.namespace !== undefined ? o : { ...o, metadata: { ...o.metadata, namespace } }));
}

const key = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
const sorted = (objects: readonly KubeObject[]): KubeObject[] => [...objects].sort((a, b) => key(a).localeCompare(key(b)));

async function compileFleet(files: Record<string, string>) {
  const name = uniqueName('helm-fleet');
  const bare = await createBareRepo(env.git.root, name);
  await commitFiles(bare, files, 'fleet');
  const dir = await tempDir();
  const store = createFileStore(join(dir, 'store'));
  const hub = createHub(nodeHubDeps({ store, clock: systemClock, cacheDir: join(dir, 'cache'), kustomizeBinary: binaryPath('kustomize'), helmBinary: HELM, gitBackoffMs: 1 }));
  return { report: await hub.compile({ repo: `${env.git.baseUrl}${name}.git` }), store };
}

describe('hub compile of Helm charts equals helm template of the same chart and values', () => {
  it('gives prod and dev clusters different objects, each exactly what helm template renders for its values, plus the namespace', async () => {
    const { report, store } = await compileFleet(FILES);
    expect(report).toMatchObject({ clusters: 3, uniqueBundles: 3 });
    const probe = await helmTemplate(capabilitiesChart('charts/probe'), 'charts/probe', 'probe', 'observability', []);
    for (const [cluster, values] of Object.entries(SHOP_VALUES)) {
      const shop = await helmTemplate(vendoredDependencyChart('apps/web'), 'apps/web', 'shop', 'shop', values);
      const bundle = await bundleOf(store, cluster);
      expect(sorted(bundle.objects), cluster).toEqual(sorted([...shop, ...probe]));
    }
    const deployment = async (cluster: string) => (await bundleOf(store, cluster)).objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };
    expect((await deployment('prod-1')).spec.replicas).toBe(3);
    expect((await deployment('dev-1')).spec).toMatchObject({ replicas: 2, template: { spec: { containers: [{ image: 'nginx:1.28-dev' }] } } });
    const config = (await bundleOf(store, 'prod-2')).objects.find((o) => o.metadata.name === 'shop-config') as unknown as { data: Record<string, string> };
    expect(config.data).toEqual({ color: 'eu-2', chart: 'webapp-1.2.3' });
    const report2 = (await bundleOf(store, 'dev-1')).objects.find((o) => o.metadata.name === 'report') as unknown as { metadata: { namespace: string }; data: Record<string, string> };
    expect(report2.metadata.namespace).toBe('observability');
    expect(report2.data).toMatchObject({ kubeVersion: HELM_KUBE_VERSION, release: 'probe', namespace: 'observability', lookup: '{}', script: 'echo ${HOME}' });
  });
});
