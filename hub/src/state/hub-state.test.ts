import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodePointer, PointerVerifier, storeLayout } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { pointedDigests, pointerOf } from '../testing/store-reads.js';
import { unitHubDeps, withoutKustomize } from '../testing/unit-hub.js';
import { memoryHubStateStore } from './memory-hub-state.js';
import type { HubStateStore } from './hub-state.js';

const CLUSTERS = ['eu-prod-001', 'eu-stg-001', 'us-prod-001'];
const fleet = (): Record<string, string> => withoutKustomize(fixtureFleet());
const settings = (key: string): Record<string, string> => ({ 'apps/config/settings.yaml': (fleet()['apps/config/settings.yaml'] ?? '').replace('region: "', `${key}: "`) });

/** One repository and one store; `hub(state)` is a hub with that state store (each hub process has its own). */
function setup(fault?: (op: string, key: string) => 'unavailable' | undefined) {
  const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
  const repo = new MemoryRepository();
  repo.commit(fleet(), 'v1');
  const store = new MemoryObjectStore({ clock, ...(fault ? { fault } : {}) });
  const hub = (state: HubStateStore, signingKey?: KeyObject) =>
    createHub(unitHubDeps({ source: repo, store, clock, state, ...(signingKey ? { signingKey } : {}) }));
  const compile = (state: HubStateStore, signingKey?: KeyObject) => hub(state, signingKey).compile({ repo: repo.url });
  return { repo, store, compile };
}

const requests = (s: MemoryObjectStore): number => s.counters.get200 + s.counters.get304 + s.counters.get404 + s.counters.put + s.counters.putRefused + s.counters.list;

describe('hub state', () => {
  // Five since review 14b #1: overrides.json is read again after the publish even when no pointer moved (a flag set that raced it).
  it('makes a compile of an unchanged commit cost five store reads (marker, flag overrides before and after, freeze, record) and write nothing', async () => {
    const { store, compile } = setup();
    const state = memoryHubStateStore();
    await compile(state);
    const before = requests(store);
    const puts = store.counters.put;
    expect(await compile(state)).toMatchObject({ blobsWritten: 0, pointersUpdated: 0 });
    expect(store.counters.put).toBe(puts);
    expect(requests(store) - before).toBe(5);
  });

  it('reads no pointer of a cluster whose inputs did not change', async () => {
    const { store, repo, compile } = setup();
    const state = memoryHubStateStore();
    await compile(state);
    repo.commit({ 'clusters/eu-stg-001.yaml': (fleet()['clusters/eu-stg-001.yaml'] ?? '').replace('eu-west-1', 'eu-west-2') }, 'move staging');
    const gets = store.counters.get200 + store.counters.get404;
    expect(await compile(state)).toMatchObject({ pointersUpdated: 1, clusters: 3 });
    // The marker, the flag overrides (before, and after the publish: a flag set that raced it), the freeze, the revision record,
    // the changed cluster's old bundle for the mass-prune guard, and the audit log's head hint, newest entry and next seq.
    expect(store.counters.get200 + store.counters.get404 - gets).toBe(9);
  });

  it('is not trusted once another hub has published, and the result stays right', async () => {
    const { store, repo, compile } = setup();
    const a = memoryHubStateStore();
    await compile(a);
    repo.commit(settings('zone'), 'second');
    await compile(memoryHubStateStore());
    repo.commit(settings('area'), 'third');
    expect(await compile(a)).toMatchObject({ pointersUpdated: 3, refused: [], orphaned: [] });
    expect((await pointerOf(store, 'eu-prod-001')).generation).toBe(3);
  });

  it('is not trusted after a publish that failed half-way: reverting still restores every pointer', async () => {
    let failNext = false;
    const { store, repo, compile } = setup((op, key) => (failNext && op === 'put' && key === storeLayout.pointer('us-prod-001') ? 'unavailable' : undefined));
    const state = memoryHubStateStore();
    await compile(state);
    const v1 = await pointedDigests(store, CLUSTERS);
    repo.commit(settings('zone'), 'v2');
    failNext = true;
    await expect(compile(state)).rejects.toMatchObject({ code: 'StoreUnavailable' });
    failNext = false;
    expect(await pointedDigests(store, CLUSTERS)).not.toEqual(v1);
    repo.commit(fleet(), 'revert to v1');
    await compile(state);
    expect(await pointedDigests(store, CLUSTERS)).toEqual(v1);
  });

  it('re-signs unchanged pointers when a signing key is added, and again when it is rotated', async () => {
    const { store, compile } = setup();
    const state = memoryHubStateStore();
    await compile(state);
    const first = generateKeyPairSync('ed25519');
    expect((await compile(state, first.privateKey)).pointersUpdated).toBe(3);
    const second = generateKeyPairSync('ed25519');
    expect((await compile(state, second.privateKey)).pointersUpdated).toBe(3);
    expect((await compile(state, second.privateKey)).pointersUpdated).toBe(0);
    const got = await store.get(storeLayout.pointer('eu-prod-001'));
    expect(got.kind === 'found' && decodePointer(got.body, 'p', 'eu-prod-001', new PointerVerifier(second.publicKey)).generation).toBe(3);
  });
});
