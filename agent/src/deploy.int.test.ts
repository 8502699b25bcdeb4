import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { describe, expect, inject, it } from 'vitest';

const env = inject('driftlessEnv');
const DEPLOY = join(import.meta.dirname, '..', 'deploy');

describe('agent/deploy manifests', () => {
  it('are accepted by the real kube-apiserver (server-side dry-run)', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(env.kube.kubeconfig);
    const api = KubernetesObjectApi.makeApiClient(kc);
    const files = (await readdir(DEPLOY)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual(['daemonset.yaml', 'namespace.yaml', 'rbac.yaml', 'store-secret.yaml']);
    const objects = (await Promise.all(files.map(async (f) => parseAllDocuments(await readFile(join(DEPLOY, f), 'utf8')).map((d) => d.toJS() as KubernetesObject)))).flat();
    // The namespace for real (dry-run creates nothing), everything else dry-run, in dependency order.
    const ns = objects.filter((o) => o.kind === 'Namespace');
    for (const o of ns) await api.patch(o, undefined, undefined, 'driftless-test', true, PatchStrategy.ServerSideApply);
    const kinds: string[] = [];
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) {
      const applied = await api.patch(o, undefined, 'All', 'driftless-test', true, PatchStrategy.ServerSideApply);
      kinds.push(`${applied.kind ?? ''}/${applied.metadata?.name ?? ''}`);
    }
    expect(kinds.sort()).toEqual([
      'ClusterRole/driftless-agent',
      'ClusterRoleBinding/driftless-agent',
      'DaemonSet/driftless-agent',
      'Secret/driftless-store',
      'ServiceAccount/driftless-agent',
    ]);
  });
});
