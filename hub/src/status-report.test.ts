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

  it('shows whether an agent skips verification (unknown for one too old to say), its version, and a Stale cluster with its pointer\'s age and expiry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-status-'));
    dirs.push(dir);
    const store = createFileStore(dir, { durable: false });
    const at = (iso: string): string => new Date(iso).toISOString();
    const doc = (cluster: string, extra: Record<string, unknown>): Uint8Array =>
      canonicalBytes({ ...(JSON.parse(new TextDecoder().decode(status(cluster))) as object), heartbeatAt: at('2030-01-10T00:00:00Z'), ...extra });
    await store.put(storeLayout.status('verifies'), doc('verifies', { insecureSkipVerify: false, agentVersion: '0.2.0' }));
    await store.put(storeLayout.status('insecure'), doc('insecure', { insecureSkipVerify: true, agentVersion: '0.2.0' }));
    const stale = { generation: 1, publishedAt: at('2030-01-01T00:00:00Z'), expiresAt: at('2030-01-08T00:00:00Z') };
    // An agent before 0.2.0 wrote no insecureSkipVerify, and verified nothing by default.
    await store.put(storeLayout.status('frozen'), doc('frozen', { phase: 'Stale', stale }));
    const rows = await fleetStatus(store, new VirtualClock(Date.parse('2030-01-10T00:00:30Z')));
    expect(rows.map((r) => [r.cluster, r.phase, r.insecureSkipVerify, r.agentVersion])).toEqual([
      ['frozen', 'Stale', null, '0.1.0'],
      ['insecure', 'Applied', true, '0.2.0'],
      ['verifies', 'Applied', false, '0.2.0'],
    ]);
    // The pointer's age is measured now, not when the agent last reported.
    expect(rows[0]?.stale).toEqual({ ...stale, ageSeconds: 9 * 86_400 + 30 });
    expect(rows[1]).not.toHaveProperty('stale');
  });

  it("shows a host's desired and applied previews bundles and its per-app phases; none for a cluster without them", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftless-status-'));
    dirs.push(dir);
    const store = createFileStore(dir, { durable: false });
    const previews = `sha256:${'b'.repeat(64)}`;
    const pointer = (cluster: string, extra: object): Uint8Array =>
      canonicalBytes({ apiVersion: API_VERSION, kind: 'Pointer', cluster, bundle: `sha256:${'a'.repeat(64)}`, revision: 'c'.repeat(40), generation: 1, publishedAt: new Date(0).toISOString(), ...extra });
    await store.put(storeLayout.pointer('host'), pointer('host', { previews }));
    const apps = { web: { phase: 'Applied', ready: 2, total: 2 }, 'pr-feature-x/web': { phase: 'Progressing', ready: 0, total: 3 } };
    const hostStatus = { ...(JSON.parse(new TextDecoder().decode(status('host'))) as object), appliedPreviews: previews, apps };
    await store.put(storeLayout.status('host'), canonicalBytes(hostStatus));
    await store.put(storeLayout.pointer('plain'), pointer('plain', {}));
    await store.put(storeLayout.status('plain'), status('plain'));
    const rows = await fleetStatus(store, new VirtualClock(0));
    expect(rows.find((r) => r.cluster === 'host')).toMatchObject({ desiredPreviews: previews, appliedPreviews: previews, apps });
    const plain = rows.find((r) => r.cluster === 'plain');
    expect(plain && ['desiredPreviews', 'appliedPreviews', 'apps'].filter((k) => k in plain)).toEqual([]);
  });
});
