import { createHash } from 'node:crypto';
import { appsForCluster, canonicalJson, helmValuesKey, parseCluster, parseFleet, type AppInstance } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { generateFleet, type FleetShape } from './generate-fleet.js';

/** One digest of a generated repository: its paths and contents, in path order. */
function repoDigest(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const path of Object.keys(files).sort()) h.update(`${path}\0${files[path]}\0`);
  return h.digest('hex');
}

/** The `web` app instance of every cluster of a generated repository, by cluster name. */
function webInstances(files: Record<string, string>): Map<string, AppInstance> {
  const fleet = parseFleet(files['fleet.yaml'] ?? '');
  const out = new Map<string, AppInstance>();
  for (const [path, text] of Object.entries(files)) {
    if (!path.startsWith('clusters/')) continue;
    const cluster = parseCluster(text, path);
    const web = appsForCluster(fleet, cluster).find((i) => i.app.name === 'web');
    if (web) out.set(cluster.metadata.name, web);
  }
  return out;
}

describe('generateFleet', () => {
  it.each([
    // Digests of the repositories as generated before `helmApp` existed: the shapes the other benches use stay byte for byte.
    [{ clusters: 30, apps: 7 }, '201456607544a04a52e33a53fa8a45c7e3f7405567c0f5a412e3ff26ee1d302b'],
    [
      { clusters: 12, apps: 4, kustomizeApps: 0, namespaces: true, versions: { 'app-00': '1.0.1' }, delivery: { mode: 'continuous-deployment' } },
      '2b32471b24e0e857fa944d0a91c742ade79a1e4d5a26b89aa806eca0478f6058',
    ],
  ] satisfies [FleetShape, string][])('keeps shape %j as it was', (shape, digest) => {
    expect(repoDigest(generateFleet(shape))).toBe(digest);
  });

  it('helmApp: a chart app `web` on every cluster with 3 distinct value sets chosen by env, one target each', () => {
    const files = generateFleet({ clusters: 40, apps: 3, helmApp: { values: 3 } });
    expect(Object.keys(files).filter((p) => p.startsWith('apps/web/')).sort()).toEqual([
      'apps/web/Chart.yaml',
      'apps/web/templates/_helpers.tpl',
      'apps/web/templates/configmap.yaml',
      'apps/web/templates/deployment.yaml',
      'apps/web/templates/service.yaml',
      'apps/web/values.yaml',
    ]);
    const fleet = parseFleet(files['fleet.yaml'] ?? '');
    expect(fleet.spec.apps.map((a) => a.name)).toEqual(['app-00', 'app-01', 'app-02', 'web']);
    expect(fleet.spec.apps[3]?.targets).toHaveLength(3);
    const web = webInstances(files);
    expect(web.size).toBe(40);
    const sets = new Map<string, Set<string>>();
    for (const [name, inst] of web) {
      // Exactly one target matches each cluster, so each cluster gets one values document.
      expect(inst.values).toHaveLength(1);
      const key = helmValuesKey(inst.values);
      sets.set(key, (sets.get(key) ?? new Set()).add(files[`clusters/${name}.yaml`]?.match(/env: (\w+)/)?.[1] ?? ''));
    }
    expect([...sets.values()].map((envs) => [...envs])).toEqual([['prod'], ['staging'], ['dev']]);
    expect(JSON.parse([...sets.keys()][0] ?? '')).toEqual([{ replicaCount: 3, logLevel: 'warn', resources: { cpu: '200m', memory: '256Mi' } }]);
  });

  it.each([
    [1, 1],
    [2, 2],
  ])('helmApp with %i value set(s) gives %i distinct sets', (values, distinct) => {
    const web = webInstances(generateFleet({ clusters: 20, apps: 2, helmApp: { values } }));
    expect(new Set([...web.values()].map((i) => helmValuesKey(i.values))).size).toBe(distinct);
    expect(web.size).toBe(20);
  });

  it('helmApp plain: the same app as plain YAML whose target vars carry the same 3 sets, and no chart', () => {
    const files = generateFleet({ clusters: 40, apps: 3, helmApp: { values: 3, source: 'plain' } });
    expect(Object.keys(files).filter((p) => p.startsWith('apps/web/'))).toEqual(['apps/web/manifests.yaml']);
    const web = webInstances(files);
    expect(web.size).toBe(40);
    for (const inst of web.values()) expect(inst.values).toEqual([]);
    const sets = new Set([...web.values()].map((i) => canonicalJson({ r: i.vars['webReplicas'], l: i.vars['webLogLevel'], c: i.vars['webCpu'], m: i.vars['webMemory'] })));
    expect([...sets]).toEqual([canonicalJson({ r: '3', l: 'warn', c: '200m', m: '256Mi' }), canonicalJson({ r: '2', l: 'info', c: '100m', m: '128Mi' }), canonicalJson({ r: '1', l: 'debug', c: '50m', m: '64Mi' })]);
  });

  it('refuses a helmApp value count it cannot choose by env', () => {
    expect(() => generateFleet({ clusters: 1, apps: 2, helmApp: { values: 4 } })).toThrow(/helmApp.values 4 must be an integer from 1 to 3/);
  });
});
