import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName } from '@driftless/contracts';
import { commitFiles, createBareRepo, kubeConfigFor } from '@driftless/testkit';
import { CustomObjectsApi, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { main } from './main.js';

const env = inject('driftlessEnv');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/** Installs a cluster-scoped CRD by hand (a Kyverno-style ClusterPolicy), as a platform team would, and waits until its kind can be listed. */
async function installClusterPolicyCrd(group: string): Promise<void> {
  const kc = kubeConfigFor(env);
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `clusterpolicies.${group}` },
    spec: {
      group,
      scope: 'Cluster',
      names: { plural: 'clusterpolicies', singular: 'clusterpolicy', kind: 'ClusterPolicy', listKind: 'ClusterPolicyList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { rules: { type: 'array', items: { type: 'string' } } } } } } } }],
    },
  };
  await KubernetesObjectApi.makeApiClient(kc).patch(crd, undefined, undefined, 'platform-team', true, PatchStrategy.ServerSideApply);
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (let i = 0; ; i++) {
    try {
      await custom.listClusterCustomObject({ group, version: 'v1', plural: 'clusterpolicies' });
      return;
    } catch (err) {
      if (i > 400) throw err;
      await sleep(25);
    }
  }
}

describe('a cluster-scoped custom resource whose CRD the bundle does not hold', () => {
  it('is compiled without a namespace and applied once by the agent: Applied on every pass, never pruned', async () => {
    const group = `${uniqueName('policy')}.driftless.dev`;
    await installClusterPolicyCrd(group);
    const name = uniqueName('scope-fleet');
    const bare = await createBareRepo(env.git.root, name);
    await commitFiles(
      bare,
      {
        'fleet.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n    - name: policy\n      path: apps/policy\n      namespace: web\n      targets: [{ selector: {} }]\n',
        'clusters/c1.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: c1, labels: {} }\n',
        'apps/policy/policy.yaml': `apiVersion: ${group}/v1\nkind: ClusterPolicy\nmetadata: { name: require-labels }\nspec: { rules: [] }\n`,
      },
      'first',
    );
    const dir = await mkdtemp(join(tmpdir(), 'driftless-scope-'));
    dirs.push(dir);
    const store = `file:${join(dir, 'store')}`;
    expect((await run(['hub', 'compile', '--repo', `${env.git.baseUrl}${name}.git`, '--store', store, '--cache-dir', join(dir, 'cache')])).code).toBe(0);
    const agent = ['agent', '--cluster', 'c1', '--store', store, '--kubeconfig', env.kube.kubeconfig, '--applyset-namespace', uniqueName('driftless'), '--once', '--insecure-skip-verify'];
    const passes = [];
    for (let i = 0; i < 3; i++) {
      const r = await run(agent);
      passes.push({ code: r.code, ...(JSON.parse(r.out) as { phase: string; outcome: { applied: number; pruned: number } }) });
    }
    expect(passes.map((p) => [p.code, p.phase, p.outcome.applied, p.outcome.pruned])).toEqual([
      [0, 'Applied', 1, 0],
      [0, 'Applied', 0, 0],
      [0, 'Applied', 0, 0],
    ]);
    const live = await kubeConfigFor(env).makeApiClient(CustomObjectsApi).getClusterCustomObject({ group, version: 'v1', plural: 'clusterpolicies', name: 'require-labels' });
    expect((live as { metadata: { namespace?: string } }).metadata.namespace).toBeUndefined();
  });
});
