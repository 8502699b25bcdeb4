import { createHash } from 'node:crypto';
import type { KubeObject, RepoEntry, RepoReader } from '@driftless/core';
import { compileFleet } from '@driftless/hub';
import { clusterName, clustersTouched, FLEET_SCENARIO } from '@driftless/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { scenarioCommit } from './scenario-fleet.js';
import { syntheticFleet } from './synthetic-fleet.js';
import { virtualDriver } from './virtual-driver.js';

// Three of each ring; five apps, so the commits bump every kind of app target and wrap around.
const CLUSTERS = 30;
const APPS = 5;
const COMMITS = [0, 1, 2, 3, 4, 5, 6];

/** A repository commit held in memory: what the real driver commits, read as the hub reads Git. */
function filesReader(files: Readonly<Record<string, string>>): RepoReader {
  const oid = (text: string): string => createHash('sha1').update(text).digest('hex');
  const children = (dir: string): RepoEntry[] => {
    const prefix = dir === '' ? '' : `${dir}/`;
    const names = new Set(Object.keys(files).flatMap((p) => (p.startsWith(prefix) ? [p.slice(prefix.length).split('/')[0] ?? ''] : [])));
    return [...names].sort().map((name) => stat(prefix + name)).filter((e): e is RepoEntry => e !== undefined);
  };
  const stat = (path: string): RepoEntry | undefined => {
    const text = files[path];
    if (text !== undefined) return { path, type: 'file', oid: oid(text) };
    const inside = children(path);
    return inside.length === 0 ? undefined : { path, type: 'dir', oid: oid(inside.map((e) => `${e.path}:${e.oid}`).join('\n')) };
  };
  return {
    commit: oid(JSON.stringify(files)),
    stat: (path) => Promise.resolve(stat(path)),
    list: (dir) => Promise.resolve(children(dir)),
    readFile: (path) => Promise.resolve(new TextEncoder().encode(files[path] ?? '')),
  };
}

/** `app-01@1.0.2`: the apps a bundle runs, from its Deployments' images. */
function appsIn(objects: readonly KubeObject[]): string[] {
  const image = (o: KubeObject): string => String((o as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }).spec?.template?.spec?.containers?.[0]?.image);
  return objects.filter((o) => o.kind === 'Deployment').map((o) => `${o.metadata.name}@${image(o).split(':').pop() ?? ''}`);
}

/** Per cluster, commit by commit: the digest and apps the hub compiles from the real driver's commit. */
async function compiledCommits(): Promise<{ digest: string; apps: string[] }[][]> {
  const kustomize = (): Promise<string> => Promise.reject(new Error('the bench fleet has no kustomize apps'));
  const out: { digest: string; apps: string[] }[][] = [];
  for (const k of COMMITS) {
    const { bundles } = await compileFleet(filesReader(scenarioCommit(k, CLUSTERS, APPS).files), { kustomize });
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
  let syntheticAt: { digest: string; apps: string[] }[][];
  beforeAll(async () => {
    compiled = await compiledCommits();
    const synthetic = syntheticFleet(CLUSTERS, APPS, FLEET_SCENARIO);
    syntheticAt = COMMITS.map((k) => {
      const bundles = synthetic.bundlesAt(k);
      return synthetic.groupOf.map((g) => ({ digest: bundles[g]?.digest ?? '', apps: appsIn(bundles[g]?.bundle.objects ?? []) }));
    });
  });

  it.each(COMMITS)('at commit %i every virtual cluster runs the apps, at the versions, that the hub compiles for it', (k) => {
    expect(syntheticAt[k]?.map((c) => c.apps)).toEqual(compiled[k]?.map((c) => c.apps));
  });

  it.each([
    // [commit, clusters of 30 it changes]
    [1, 3],
    [2, 30],
    [3, 27],
    [4, 30],
    [5, 30],
    [6, 3],
  ])('commit %i changes the bundles of %i clusters, in the real fleet, the virtual one and the scenario alike', (k, share) => {
    const real = changed(compiled[k - 1] ?? [], compiled[k] ?? []);
    expect(real).toHaveLength(share);
    expect(changed(syntheticAt[k - 1] ?? [], syntheticAt[k] ?? [])).toEqual(real);
    expect(clustersTouched(k, CLUSTERS, { apps: APPS, kustomizeApps: 0 })).toEqual(real);
  });

  it('the virtual driver publishes a new pointer to exactly the clusters whose bundle changed', async () => {
    const driver = virtualDriver({ clusters: CLUSTERS, intervalMs: 10_000, jitter: 0.5, seed: 1, apps: APPS, scenario: FLEET_SCENARIO, trace: true });
    const published: number[][] = [];
    for (const k of [0, 1, 2, 3]) {
      const seen = driver.recorder.trace?.length ?? 0;
      driver.recorder.beginCommit();
      await driver.publish(k);
      const events = driver.recorder.trace?.slice(seen) ?? [];
      published.push(events.map((e) => Number(e.cluster.slice(2))).sort((a, b) => a - b));
      for (const e of events) expect(e.digest).toBe(syntheticAt[k]?.[Number(e.cluster.slice(2))]?.digest);
    }
    await driver.stopFleet();
    expect(published).toEqual([Array.from({ length: CLUSTERS }, (_, i) => i), ...[1, 2, 3].map((k) => changed(compiled[k - 1] ?? [], compiled[k] ?? []))]);
  });
});
