import { binaryPath } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { runHubBench, type HubBenchOptions } from './hub-bench.js';

const base = { clusters: 50, apps: 4, kustomizeBinary: binaryPath('kustomize'), helmBinary: binaryPath('helm') } satisfies HubBenchOptions;

describe('the hub bench with a Helm chart app (real git server, real helm)', () => {
  it('renders the chart once per distinct value set, and gives every cluster the same objects as the plain-YAML twin', async () => {
    const chart = await runHubBench({ ...base, helmApp: { values: 3 } });
    const plain = await runHubBench({ ...base, helmApp: { values: 3, source: 'plain' } });
    const none = await runHubBench(base);

    // 50 clusters, 3 value sets (prod, staging, dev): 3 helm runs, not 50.
    expect(chart.initial.helmRuns).toBe(3);
    expect(chart.initial.result.pointersUpdated).toBe(50);
    expect(plain.initial.helmRuns).toBe(0);
    // Same bundle digest on every cluster: helm's objects are the plain ones, byte for byte after canonical JSON.
    expect(chart.initial.fleetDigest).toBe(plain.initial.fleetDigest);
    expect(chart.recompile.fleetDigest).toBe(plain.recompile.fleetDigest);
    // ...and the app is there at all: without it the fleet differs.
    expect(none.initial.fleetDigest).not.toBe(chart.initial.fleetDigest);

    // The recompile bumps app-00 (ring 0: 5 clusters, all prod); the 45 others are skipped as unchanged. The hub keeps no
    // chart renderings between compiles, so ring 0's prod values render once more (bench/RESULTS.md, issue 15).
    expect(chart.recompile.result.pointersUpdated).toBe(5);
    expect(chart.recompile.helmRuns).toBe(1);
  });
});
