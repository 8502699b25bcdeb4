import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlDocuments, type KubeObject } from '@driftless/core';
import { writeSigningKeyPair } from '@driftless/hub';
import { createKubeTarget } from '@driftless/kube';
import { uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo, hooksChart, kubeConfigFor, requiredValueChart, s3StoreFor, valuesChart } from '@driftless/testkit';
import { describe, expect, inject, it } from 'vitest';
import { cli, cliOnMinio } from './testing/delivery-world.js';

// Issue 15 "Done when": a fleet mixing plain, kustomize and Helm apps compiled by
// `driftless hub compile` (real git server, real helm, MinIO) and applied by a
// real `driftless agent` into the kube-apiserver; and a chart whose `required`
// fails refused with exit 2, naming chart and template, publishing nothing.
const env = inject('driftlessEnv');
const cleanup = cliOnMinio();

const cluster = (name: string, env: string) => `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { env: ${env} } }\n`;

/**
 * Apps: `namespaces` (plain: a Namespace per app, so the bundle applies to a bare
 * API server), `base` (kustomize), `layered` (the values chart: prod and dev
 * values, then every cluster's) and `hooked` (the hooks chart). Namespaces start
 * with `ns`, so runs sharing the API server never touch each other's objects.
 */
function mixedFleet(ns: string): Record<string, string> {
  return {
    'clusters/prod-1.yaml': cluster('prod-1', 'prod'),
    'clusters/dev-1.yaml': cluster('dev-1', 'dev'),
    'fleet.yaml': `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: namespaces
      path: apps/namespaces
      targets: [{ selector: {} }]
    - name: base
      path: apps/base
      namespace: ${ns}-base
      targets: [{ selector: {} }]
    - name: layered
      path: apps/layered
      namespace: ${ns}-layered
      targets:
        - selector: { matchLabels: { env: prod } }
          values: { size: large, features: { cache: false } }
        - selector: { matchLabels: { env: dev } }
          values: { size: tiny }
        - selector: {}
          values: { limits: { memory: null }, owner: "\${cluster.name}" }
    - name: hooked
      path: apps/hooked
      namespace: ${ns}-hooked
      targets: [{ selector: {} }]
`,
    'apps/namespaces/namespaces.yaml': ['base', 'layered', 'hooked'].map((app) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns}-${app} }\n`).join('---\n'),
    'apps/base/kustomization.yaml': 'resources: [cm.yaml]\nnamePrefix: k-\n',
    'apps/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: built }\ndata: { cluster: "${cluster.name}" }\n',
    ...valuesChart('apps/layered'),
    ...hooksChart('apps/hooked'),
  };
}

/** A fleet repository on the real git server holding `files`, a MinIO store prefix and the CLI flags for both. */
async function world(files: Record<string, string>) {
  const name = uniqueName('helm-e2e');
  const bare = await createBareRepo(env.git.root, name);
  await commitFiles(bare, files, 'fleet');
  const prefix = uniqueName('helm-e2e');
  const store = s3StoreFor(env, prefix);
  const dir = await mkdtemp(join(tmpdir(), 'driftless-helm-e2e-'));
  cleanup(() => store.destroy(), () => rm(dir, { recursive: true, force: true }));
  const keys = await writeSigningKeyPair(join(dir, 'hub'));
  const storeUrl = `s3://${env.s3.bucket}/${prefix}`;
  const compile = ['hub', 'compile', '--repo', `${env.git.baseUrl}${name}.git`, '--store', storeUrl, '--cache-dir', join(dir, 'cache'), '--sign-key', keys.privateKey];
  return { store, keys, storeUrl, compile };
}

describe('driftless hub compile and a real agent with a Helm chart app', () => {
  it('compiles plain, kustomize and Helm apps; the agent applies the chart with its values and its pre-install hook, never its test hooks', async () => {
    const ns = uniqueName('helm');
    const w = await world(mixedFleet(ns));
    const compiled = await cli([...w.compile, '--json']);
    expect(compiled.err).toBe('');
    expect(compiled).toMatchObject({ code: 0 });
    expect(JSON.parse(compiled.out)).toMatchObject({ clusters: 2, pointersUpdated: 2 });

    const agent = await cli(['agent', '--cluster', 'prod-1', '--store', w.storeUrl, '--kubeconfig', env.kube.kubeconfig, '--applyset-namespace', `${ns}-agent`, '--once', '--verify-key', w.keys.publicKey]);
    // No controller-manager runs Jobs: the hook Job never completes, so the pass applies everything and waits on it.
    expect(JSON.parse(agent.out)).toMatchObject({ phase: 'Progressing', generation: 1 });

    const kube = createKubeTarget(kubeConfigFor(env));
    const get = (kind: string, namespace: string, name: string, apiVersion = 'v1'): Promise<KubeObject | undefined> => kube.get({ apiVersion, kind, namespace, name });
    expect(await get('ConfigMap', `${ns}-base`, 'k-built')).toMatchObject({ data: { cluster: 'prod-1' } });
    const merged = (await get('ConfigMap', `${ns}-layered`, 'merged')) as { data?: { values?: string } } | undefined;
    expect(parseYamlDocuments(merged?.data?.values ?? '', 'merged')[0]?.value, 'values.yaml, then prod, then every cluster').toEqual({
      size: 'large',
      features: { audit: true, cache: false },
      limits: { cpu: '100m' },
      owner: 'prod-1',
    });
    expect(await get('ConfigMap', `${ns}-hooked`, 'plain')).toMatchObject({ data: { a: 'b' } });
    const job = await get('Job', `${ns}-hooked`, 'migrate', 'batch/v1');
    expect(job?.metadata['annotations']).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-5' });
    expect(await get('Pod', `${ns}-hooked`, 'connection-test'), 'a test hook').toBeUndefined();
    expect(await get('Pod', `${ns}-hooked`, 'smoke'), 'a test-success hook').toBeUndefined();
  });
});

describe('driftless hub compile with a chart whose required value is missing', () => {
  it('exits 2 naming the chart and the template, and publishes nothing', async () => {
    const w = await world({
      'clusters/prod-1.yaml': cluster('prod-1', 'prod'),
      'fleet.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n    - name: greeter\n      path: apps/greeter\n      targets: [{ selector: {} }]\n',
      ...requiredValueChart('apps/greeter'),
    });
    const refused = await cli(w.compile);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^error: apps\/greeter: app greeter for cluster [a-z0-9-]+( \(and \d+ more\))?: helm template failed: execution error at \(apps\/greeter\/templates\/cm\.yaml:6:11\): greeting is required/);
    expect((await w.store.list('')).keys).toEqual([]);
  });
});
