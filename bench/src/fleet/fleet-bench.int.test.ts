import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from '@driftless/contracts';
import { binaryPath, clustersTouched, FLEET_SCENARIO, s3StoreFor, startGitServerProcess, type FleetScenario } from '@driftless/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runFleetBench, type FleetBenchOptions } from './run-fleet-bench.js';

const env = inject('driftlessEnv');
let root: string;
// The git server in its own process, as startEnvironment (and so `driftless bench`) runs it.
let git: Awaited<ReturnType<typeof startGitServerProcess>>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'driftless-fleet-bench-'));
  git = await startGitServerProcess({ root });
});
afterAll(async () => {
  await git.close();
  await rm(root, { recursive: true, force: true });
});

const base = { clusters: 12, intervalMs: 1_000, jitter: 0.5, commits: 1, seed: 3, apps: 2, steadyIntervals: 1, kustomizeBinary: binaryPath('kustomize') } satisfies Partial<FleetBenchOptions>;

describe('the fleet benchmark against real MinIO and a real git server', () => {
  it('bundle mode: the hub fetches once per commit and every cluster converges; git mode: every cluster fetches', async () => {
    const bundle = await runFleetBench({ ...base, mode: 'bundle', servers: { git, store: s3StoreFor(env, uniqueName('fleet-bench')) } });
    expect(bundle.result.failedClusters).toBe(0);
    expect(bundle.result.git.fetchesPerCommit).toBe(1);
    expect(bundle.result.store.get304).toBeGreaterThan(0);
    // Commit 1 bumps the canary app: the real hub publishes to ring 0 alone (c-00000 and c-00010), as the scenario says.
    const touched = clustersTouched(1, base.clusters, { apps: base.apps, kustomizeApps: 0 });
    expect(touched).toEqual([0, 10]);
    expect(bundle.report.convergenceSamplesMs).toHaveLength(touched.length);
    // The hub's own requests for commit 1: per changed cluster its blob, the mass-prune guard's read
    // of its old bundle and the pointer; then the publish marker (read, write), the freeze, the flag
    // overrides (read before and after publishing), the revision record (read, write) and its audit entry (the head hint and the newest
    // entry read, the next seq probed, the entry and the hint written), as in virtual.test.ts.
    expect(bundle.result.hub.storeRequestsPerCommit).toBe(3 * touched.length + 7 + 5);

    // Git mode on a fleet whose canary goes to every cluster, so that commit 1 changes them all:
    // each must then fetch the repository itself after the push to apply it, whatever the timing
    // (a fetch that began before the push cannot see the commit), where the hub fetched once.
    const everywhere: FleetScenario = { ...FLEET_SCENARIO, canaryTargets: [{ selector: {} }] };
    const all = clustersTouched(1, base.clusters, { apps: base.apps, kustomizeApps: 0 }, everywhere);
    expect(all).toHaveLength(base.clusters);
    const gitMode = await runFleetBench({ ...base, mode: 'git', scenario: everywhere, servers: { git, store: s3StoreFor(env, uniqueName('fleet-bench')) } });
    expect(gitMode.result.failedClusters).toBe(0);
    expect(gitMode.result.store.get200 + gitMode.result.store.get304).toBe(0);
    expect(gitMode.report.convergenceSamplesMs).toHaveLength(base.clusters);
    expect(gitMode.result.git.fetchesPerCommit).toBeGreaterThanOrEqual(base.clusters);
    expect(gitMode.result.git.requests).toBeGreaterThan(bundle.result.git.requests);
    // The cost line: bundle mode's idle polls are store GETs, git mode's are git requests (at least one info/refs per fetch).
    expect(bundle.result.cost.store.getPerClusterPerMonth).toBeGreaterThan(0);
    expect(bundle.result.cost.git.getPerClusterPerMonth).toBe(0);
    expect(gitMode.result.cost.store.getPerClusterPerMonth).toBe(0);
    expect(gitMode.result.cost.git.getPerClusterPerMonth).toBeGreaterThanOrEqual(Math.round(0.5 * 87_600));
  });
});
