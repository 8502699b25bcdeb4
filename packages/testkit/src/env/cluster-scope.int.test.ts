import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { BUILTIN_CLUSTER_SCOPED, BUILTIN_NAMESPACED } from '@driftless/core';
import { describe, expect, inject, it } from 'vitest';

const env = inject('driftlessEnv');

async function getJson<T>(path: string): Promise<T> {
  const ca = await readFile(env.kube.caFile, 'utf8');
  return await new Promise<T>((resolve, reject) => {
    request(`${env.kube.server}${path}`, { ca, headers: { authorization: `Bearer ${env.kube.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.once('end', () => resolve(JSON.parse(body) as T));
    })
      .once('error', reject)
      .end();
  });
}

interface ResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

describe("core's lists of built-in kinds by scope", () => {
  it('cover every kind the real kube-apiserver serves and can list, each in the list of its scope', async () => {
    // Kinds that CRDs add (other tests create some) are not built in.
    const crds = await getJson<{ items: { spec: { group: string } }[] }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
    const crdGroups = new Set(crds.items.map((c) => c.spec.group));
    const groups = await getJson<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>('/apis');
    const lists: [string, ResourceList][] = [['', await getJson<ResourceList>('/api/v1')]];
    for (const g of groups.groups.filter((x) => !crdGroups.has(x.name))) lists.push([g.name, await getJson<ResourceList>(`/apis/${g.preferredVersion.groupVersion}`)]);
    const served = lists.flatMap(([group, list]) =>
      list.resources.filter((r) => !r.name.includes('/') && r.verbs.includes('list')).map((r) => ({ key: `${group}/${r.kind}`, namespaced: r.namespaced })),
    );
    const clusterScoped = served.filter((k) => !k.namespaced).map((k) => k.key);
    const namespaced = served.filter((k) => k.namespaced).map((k) => k.key);
    expect(clusterScoped.length).toBeGreaterThan(10);
    expect(namespaced.length).toBeGreaterThan(10);
    expect(clusterScoped.filter((k) => !BUILTIN_CLUSTER_SCOPED.has(k))).toEqual([]);
    expect(namespaced.filter((k) => !BUILTIN_NAMESPACED.has(k))).toEqual([]);
    expect([...BUILTIN_NAMESPACED].filter((k) => BUILTIN_CLUSTER_SCOPED.has(k))).toEqual([]);
  });
});
