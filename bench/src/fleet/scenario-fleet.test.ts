import type { KubeObject } from '@driftless/core';
import { MemoryRepository } from '@driftless/fakes';
import { compileFleet } from '@driftless/hub';
import { appsOfCluster, appVersion, clusterName, clustersTouched, FLEET_SCENARIO, scenarioApps, scenarioCluster } from '@driftless/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchFleetShape, scenarioCommit } from './scenario-fleet.js';
import { virtualDriver } from './virtual-driver.js';

// Three of each ring; five apps, so the commits bump every kind of app target and wrap around.
const CLUSTERS = 30;
const APPS = 5;
const COMMITS = [0, 1, 2, 3, 4, 5, 6];

/** `app-01@1.0.2`: the apps a bundle runs, from its Deployments' images. */
function appsIn(objects: readonly KubeObject[]): string[] {
  const image = (o: KubeObject): string => String((o as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }).spec?.template?.spec?.containers?.[0]?.image);
  return objects.filter((o) => o.kind === 'Deployment').map((o) => `${o.metadata.name}@${image(o).split(':').pop() ?? ''}`);
}

/** Per cluster, commit by commit: the digest and apps the hub compiles from the scenario's commits (both drivers commit these files). */
async function compiledCommits(): Promise<{ digest: string; apps: string[] }[][]> {
  const kustomize = (): Promise<string> => Promise.reject(new Error('the bench fleet has no kustomize apps'));
  const repo = new MemoryRepository();
  const out: { digest: string; apps: string[] }[][] = [];
  for (const k of COMMITS) {
    const { files, message } = scenarioCommit(k, CLUSTERS, APPS);
    repo.commit(files, message);
    const { reader } = await repo.sync({ repo: repo.url });
    const { bundles } = await compileFleet(reader, { kustomize });
    out.push(Array.from({ length: CLUSTERS }, (_, i) => {
      const b = bundles.get(clusterName(i));
      return { digest: b?.digest ?? '', apps: appsIn(b?.bundle.objects ?? []) };
    }));
  }
  return out;
}

const changed = (before: readonly { digest: string }[], after: readonly { digest: string }[]): number[] =>
  after.flatMap((c, i) => (c.digest === before[i]?.digest ? [] : [i]));

describe('the scenario as the generator writes it and as each driver publishes it', () => {
  let compiled: { digest: string; apps: string[] }[][];
  beforeAll(async () => {
    compiled = await compiledCommits();
  });

  it.each(COMMITS)('at commit %i the hub compiles for every cluster the apps, at the versions, that the scenario places on it', (k) => {
    const apps = scenarioApps(benchFleetShape(CLUSTERS, APPS), FLEET_SCENARIO);
    const placed = Array.from({ length: CLUSTERS }, (_, i) => appsOfCluster(apps, scenarioCluster(i).labels).map((a) => `${a.name}@${appVersion(a.index, k, APPS)}`));
    expect(compiled[k]?.map((c) => c.apps)).toEqual(placed);
  });

  it.each([
    // [commit, clusters of 30 it changes]
    [1, 3],
    [2, 30],
    [3, 27],
    [4, 30],
    [5, 30],
    [6, 3],
  ])('commit %i changes the bundles of %i clusters, in the compiled fleet and the scenario alike', (k, share) => {
    const real = changed(compiled[k - 1] ?? [], compiled[k] ?? []);
    expect(real).toHaveLength(share);
    expect(clustersTouched(k, CLUSTERS, { apps: APPS, kustomizeApps: 0 })).toEqual(real);
  });

  it("the virtual driver's hub publishes a new pointer, to the compiled bundle, to exactly the clusters whose bundle changed", async () => {
    const driver = virtualDriver({ clusters: CLUSTERS, intervalMs: 10_000, jitter: 0.5, seed: 1, apps: APPS, scenario: FLEET_SCENARIO, threads: 2, inProcess: true, trace: true });
    const published: number[][] = [];
    for (const k of [0, 1, 2, 3]) {
      const seen = driver.recorder.trace?.length ?? 0;
      driver.recorder.beginCommit();
      await driver.publish(k);
      const events = driver.recorder.trace?.slice(seen) ?? [];
      published.push(events.map((e) => Number(e.cluster.slice(2))).sort((a, b) => a - b));
      for (const e of events) expect(e.digest).toBe(compiled[k]?.[Number(e.cluster.slice(2))]?.digest);
    }
    await driver.stopFleet();
    expect(published).toEqual([Array.from({ length: CLUSTERS }, (_, i) => i), ...[1, 2, 3].map((k) => changed(compiled[k - 1] ?? [], compiled[k] ?? []))]);
  });
});
