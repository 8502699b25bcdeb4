import { API_VERSION, canonicalBytes, STATUS_MAX_BYTES, storeLayout, type Status } from '@driftless/core';
import { MemoryKubeTarget, MemoryObjectStore, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { replayLoader } from './replay-floor.js';
import type { LogEvent } from './summarize.js';

// The agent's own last status as a record of its replay floor (see fromStatus).
const config = { cluster: 'c1', parent: { name: 'driftless-applyset', namespace: 'driftless-system' }, verifyKeys: [], insecure: true };

function status(lastError: string): Status {
  return {
    apiVersion: API_VERSION,
    kind: 'Status',
    cluster: 'c1',
    observedGeneration: 7,
    phase: 'Failed',
    objects: { total: 0, ready: 0, drifted: 0, pruned: 0 },
    lastError,
    heartbeatAt: '2026-11-22T00:00:00.000Z',
    agentVersion: 'test',
  };
}

async function load(store: MemoryObjectStore) {
  const logged: LogEvent[] = [];
  const memory = await replayLoader({ kube: new MemoryKubeTarget({ clock: new VirtualClock(0) }), store, config, log: (e) => logged.push(e) }).load();
  return { floor: memory.floor, warnings: logged.filter((e) => e.level === 'warn') };
}

describe('the status as a replay-floor record', () => {
  it('counts a status with a long lastError (up to the 1 MiB status cap)', async () => {
    const store = new MemoryObjectStore();
    await store.put(storeLayout.status('c1'), canonicalBytes(status('x'.repeat(200 * 1024))));
    expect(await load(store)).toEqual({ floor: { generation: 7, bundle: undefined, source: storeLayout.status('c1') }, warnings: [] });
  });

  it('warns when the status is over the cap, which makes it no record', async () => {
    const store = new MemoryObjectStore();
    await store.put(storeLayout.status('c1'), canonicalBytes(status('x'.repeat(STATUS_MAX_BYTES))));
    const { floor, warnings } = await load(store);
    expect(floor).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ key: storeLayout.status('c1'), why: 'it is over the status cap' })]);
  });

  it('warns when the store refuses to give it, saying what the policy must allow', async () => {
    const store = new MemoryObjectStore({ fault: (op, key) => (op === 'get' && key === storeLayout.status('c1') ? 'refused' : undefined) });
    const { floor, warnings } = await load(store);
    expect(floor).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ key: storeLayout.status('c1'), why: expect.stringMatching(/allow GET/) as unknown })]);
  });
});
