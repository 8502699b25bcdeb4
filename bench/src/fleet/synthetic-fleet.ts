import { encodeBundle, type EncodedBundle, type KubeObject } from '@driftless/core';
import { appsOfCluster, appVersion, scenarioApps, scenarioCluster, type FleetScenario, type ScenarioApp } from '@driftless/testkit';
import { benchFleetShape } from './scenario-fleet.js';

/** An app a cluster runs, at a version. */
export interface AppAtVersion {
  readonly name: string;
  readonly version: string;
}

/** The virtual fleet's desired state, commit by commit, without a repository or a compile. */
export interface SyntheticFleet {
  /** The index, in every commit's bundles, of cluster `i`'s bundle. */
  readonly groupOf: readonly number[];
  /** Commit `k`'s bundles, one per group of clusters that run the same apps. */
  bundlesAt(k: number): EncodedBundle[];
}

/**
 * The scenario's fleet as the virtual driver publishes it: each cluster gets
 * the apps the scenario places on it (as the hub would from the generated
 * repository), at the versions of commit `k`. Clusters that get the same apps
 * share one bundle (the repository's variables and per-cluster ConfigMap are
 * left out), so a commit encodes a handful of bundles, not one per cluster.
 * Groups are numbered in the order of their first cluster.
 */
export function syntheticFleet(clusters: number, apps: number, scenario: FleetScenario): SyntheticFleet {
  const all = scenarioApps(benchFleetShape(clusters, apps), scenario);
  const groups: ScenarioApp[][] = [];
  const byKey = new Map<string, number>();
  const groupOf = Array.from({ length: clusters }, (_, i) => {
    const mine = appsOfCluster(all, scenarioCluster(i, scenario).labels);
    const key = mine.map((app) => app.index).join(',');
    let g = byKey.get(key);
    if (g === undefined) {
      g = groups.push(mine) - 1;
      byKey.set(key, g);
    }
    return g;
  });
  return {
    groupOf,
    bundlesAt: (k) => groups.map((g) => encodeBundle(syntheticObjects(g.map((app) => ({ name: app.name, version: appVersion(app.index, k, apps) }))))),
  };
}

/** The objects of `apps`: each a Namespace, a Deployment, a Service and a ConfigMap, like the generated fleet repository's. */
export function syntheticObjects(apps: readonly AppAtVersion[]): KubeObject[] {
  return apps.flatMap(({ name, version }): KubeObject[] => {
    const labels = { app: name };
    return [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: name, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name, image: `registry.example.invalid/${name}:${version}`, ports: [{ containerPort: 8080 }] }] },
          },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-settings`, namespace: name }, data: { 'log-level': 'info' } },
    ];
  });
}
