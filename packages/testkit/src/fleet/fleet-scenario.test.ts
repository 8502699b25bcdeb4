import { appsForCluster, parseCluster, parseFleet } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { appsOfCluster, appVersion, bumpedApp, clustersTouched, commitDeadlineMs, commitMessage, scenarioApps, scenarioCluster, versionsAt } from './fleet-scenario.js';
import { generateFleet } from './generate-fleet.js';

describe('the bench scenario', () => {
  it.each([
    // [commit, apps, bumped app, clusters of 100 it touches]
    [1, 3, 'app-00', 10],
    [2, 3, 'app-01', 100],
    [3, 3, 'app-02', 90],
    [4, 3, 'app-00', 10],
    [3, 5, 'app-02', 90],
    [4, 5, 'app-03', 100],
    [5, 5, 'app-04', 100],
    [6, 5, 'app-00', 10],
  ])('commit %i of %i apps bumps %s, which %i of 100 clusters run', (k, apps, app, share) => {
    expect(commitMessage(k, apps)).toBe(`bump ${app}`);
    expect(clustersTouched(k, 100, { apps, kustomizeApps: 0 })).toHaveLength(share);
  });

  it('commit 0 brings the fleet up: it bumps nothing and touches no cluster', () => {
    expect(bumpedApp(0, 3)).toBeUndefined();
    expect(commitMessage(0, 3)).toBe('fleet');
    expect(clustersTouched(0, 100, { apps: 3 })).toEqual([]);
    expect(versionsAt(0, 3)).toEqual({});
  });

  it('commit 1 touches ring 0, commit 3 every cluster but dev', () => {
    expect(clustersTouched(1, 30, { apps: 3 })).toEqual([0, 10, 20]);
    const notDev = clustersTouched(3, 30, { apps: 3, kustomizeApps: 0 });
    expect(Array.from({ length: 30 }, (_, i) => i).filter((i) => !notDev.includes(i))).toEqual([9, 19, 29]);
  });

  it.each([
    [0, 3, {}],
    [1, 3, { 'app-00': '1.0.1' }],
    [3, 3, { 'app-00': '1.0.1', 'app-01': '1.0.1', 'app-02': '1.0.1' }],
    [4, 3, { 'app-00': '1.0.2', 'app-01': '1.0.1', 'app-02': '1.0.1' }],
    [2, 5, { 'app-00': '1.0.1', 'app-01': '1.0.1' }],
  ])('at commit %i of %i apps the bumped apps run %j, the others 1.0.0', (k, apps, versions) => {
    expect(versionsAt(k, apps)).toEqual(versions);
    for (let a = 0; a < apps; a++) expect(appVersion(a, k, apps)).toBe(versions[`app-0${a}` as keyof typeof versions] ?? '1.0.0');
  });

  it.each([
    [0, 'c-00000', { env: 'prod', region: 'eu', ring: '0' }, { replicas: '2', region: 'eu-1' }],
    [6, 'c-00006', { env: 'staging', region: 'eu', ring: '6' }, { replicas: '1', region: 'eu-1' }],
    [9, 'c-00009', { env: 'dev', region: 'eu', ring: '9' }, { replicas: '1', region: 'eu-2' }],
    [15, 'c-00015', { env: 'prod', region: 'us', ring: '5' }, { replicas: '2', region: 'us-2' }],
    [30, 'c-00030', { env: 'prod', region: 'eu', ring: '0' }, { replicas: '2', region: 'eu-1' }],
  ])('cluster %i is %s with labels %j and vars %j', (i, name, labels, vars) => {
    expect(scenarioCluster(i)).toEqual({ name, labels, vars });
  });

  it('gives a commit three of the longest jittered intervals plus 30 s', () => {
    expect(commitDeadlineMs(30_000, 0.5)).toBe(3 * 45_000 + 30_000);
  });
});

describe('generateFleet writes the scenario', () => {
  it.each([
    { clusters: 30, apps: 5, kustomizeApps: 0 },
    { clusters: 30, apps: 6, kustomizeApps: 2 },
    { clusters: 20, apps: 2 },
  ])('the hub places the apps of %j where the scenario says, at its versions', (shape) => {
    for (const k of [0, 1, 2, 3]) {
      const files = generateFleet({ ...shape, versions: versionsAt(k, shape.apps) });
      const fleet = parseFleet(files['fleet.yaml'] ?? '');
      const apps = scenarioApps(shape);
      for (let i = 0; i < shape.clusters; i++) {
        const c = scenarioCluster(i);
        const cluster = parseCluster(files[`clusters/${c.name}.yaml`] ?? '', c.name);
        expect(cluster.metadata.labels).toEqual(c.labels);
        expect(cluster.spec.vars).toEqual(c.vars);
        const placed = appsForCluster(fleet, cluster).map((a) => a.app.name);
        expect(placed).toEqual(appsOfCluster(apps, c.labels).map((a) => a.name));
      }
      for (const app of apps) {
        const dir = app.kustomize ? `apps/${app.name}/base` : `apps/${app.name}`;
        expect(files[`${dir}/manifests.yaml`]).toContain(`image: registry.example.invalid/${app.name}:${appVersion(app.index, k, shape.apps)}\n`);
      }
    }
  });
});

describe('generateFleet with delivery', () => {
  it('writes spec.delivery so that fleet.yaml parses with its rings', () => {
    const delivery = { rings: [{ name: 'canary', selector: { matchLabels: { ring: '0' } }, soak: '1m' }, { name: 'rest', selector: {}, maxConcurrent: '50%' }] };
    const fleet = parseFleet(generateFleet({ clusters: 3, apps: 2, delivery })['fleet.yaml'] ?? '');
    expect(fleet.spec.delivery?.rings.map((r) => r.name)).toEqual(['canary', 'rest']);
  });
});
