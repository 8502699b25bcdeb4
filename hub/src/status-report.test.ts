import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, canonicalBytes, storeLayout } from '@driftless/core';
import { VirtualClock } from '@driftless/fakes';
import { createFileStore } from '@driftless/store';
import { afterAll, describe, expect, it } from 'vitest';
import { fleetStatus, STATUS_MAX_BYTES } from './status-report.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const status = (cluster: string, lastError?: string): Uint8Array =>
  canonicalBytes({
    apiVersion: API_VERSION,
    kind: 'Status',
    cluster,
    observedGeneration: 1,
    appliedBundle: `sha256:${'a'.repeat(64)}`,
    phase: lastError === undefined ? 'Applied' : 'Failed',
    objects: { total: 1, ready: 1, drifted: 0, pruned: 0 },
    ...(lastError === undefined ? {} : { lastError }),
    agentVersion: '0.1.0',
    heartbeatAt: new Date(0).toISOString(),
  });

describe('fleetStatus', () => {
  it('reads no status document past its cap: the oversized one shows as an error naming its cluster, the others as usual', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-status-'));
    dirs.push(dir);
    const store = createFileStore(dir, { durable: false });
    await store.put(storeLayout.status('fine'), status('fine'));
    // A valid document, only enormous: an agent (or anyone with its credentials) could write it.
    await store.put(storeLayout.status('huge'), status('huge', 'x'.repeat(STATUS_MAX_BYTES * 4)));
    const rows = await fleetStatus(store, new VirtualClock(0));
    expect(rows.map((r) => [r.cluster, r.phase])).toEqual([
      ['huge', 'Unknown'],
      ['fine', 'Applied'],
    ]);
    const huge = rows[0];
    expect(huge?.lastError).toBe(`object clusters/huge/status.json read failed: it is larger than the limit of ${STATUS_MAX_BYTES} bytes`);
    expect(JSON.stringify(rows).length).toBeLessThan(2000);
  });
});
