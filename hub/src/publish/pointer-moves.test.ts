import { API_VERSION, canonicalBytes, isDriftlessError, storeLayout } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, type StoreOperation, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { pointerOf } from '../testing/store-reads.js';
import { unitHubDeps, withoutKustomize } from '../testing/unit-hub.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');
const CONTESTED = 'eu-prod-001';
const CONTESTED_KEY = storeLayout.pointer(CONTESTED);

/**
 * A hub over a memory store where `beforeHubWrite` runs just before each of
 * the hub's writes of the contested pointer (another hub, in effect), and every
 * other pointer write takes 10 ms of virtual time.
 */
function setup(opts: { stateless: boolean; beforeHubWrite?: (attempt: number) => Promise<void> }) {
  const clock = new VirtualClock(START);
  const repo = new MemoryRepository();
  repo.commit(withoutKustomize(fixtureFleet()), 'v1');
  let foreign = false;
  let attempts = 0;
  const latency = async (op: StoreOperation, key: string): Promise<void> => {
    if ((op !== 'put' && op !== 'putIfAbsent') || !key.startsWith('clusters/')) return;
    if (key !== CONTESTED_KEY) return await clock.sleep(10);
    if (foreign) return;
    attempts += 1;
    await opts.beforeHubWrite?.(attempts);
  };
  const store = new MemoryObjectStore({ clock, latency });
  /** Writes the contested pointer as another hub would, at `generation`. */
  const writeForeign = async (generation: number): Promise<void> => {
    foreign = true;
    const p = await pointerOf(store, CONTESTED);
    const other = { apiVersion: API_VERSION, kind: 'Pointer', cluster: CONTESTED, bundle: p.bundle, revision: 'f'.repeat(40), generation, publishedAt: new Date(clock.now()).toISOString() };
    await store.put(CONTESTED_KEY, canonicalBytes(other));
    foreign = false;
  };
  /** Points the contested pointer's `previews` at `digest` (generation + 1), as the preview cycle would. */
  const writePreviews = async (digest: string): Promise<void> => {
    foreign = true;
    const p = await pointerOf(store, CONTESTED);
    await store.put(CONTESTED_KEY, canonicalBytes({ ...p, previews: digest, generation: p.generation + 1 }));
    foreign = false;
  };
  const hub = createHub(unitHubDeps({ source: repo, store, clock }, { stateless: opts.stateless }));
  /** Compiles, driving virtual time until the compile settles; resolves with its report or error and the timers left. */
  const compile = async (): Promise<{ outcome: unknown; pending: number }> => {
    let settled = false;
    const outcome = hub.compile({ repo: repo.url }).then(
      (r) => r,
      (e: unknown) => e,
    );
    void outcome.finally(() => (settled = true));
    await clock.advance(clock.now() + 60_000, () => settled);
    return { outcome: await outcome, pending: clock.pending };
  };
  const change = () => repo.commit({ 'apps/config/settings.yaml': (fixtureFleet()['apps/config/settings.yaml'] ?? '').replace('region: "', 'zone: "') }, 'v2');
  return { store, compile, change, writeForeign, writePreviews, attempts: () => attempts };
}

describe('pointer moves (compare-and-swap)', () => {
  it('stops with a stalled PublishConflict when another hub moves a pointer between read and write, once every write has settled', async () => {
    let racing = false;
    const { store, compile, change, writeForeign } = setup({ stateless: true, beforeHubWrite: () => (racing ? writeForeign(7) : Promise.resolve()) });
    await compile();
    const revision = change();
    racing = true;
    const { outcome, pending } = await compile();
    expect(isDriftlessError(outcome, 'PublishConflict')).toBe(true);
    expect(outcome).toMatchObject({
      errorClass: 'stalled',
      data: { cluster: CONTESTED, key: CONTESTED_KEY },
      message: `pointer ${CONTESTED_KEY} publish failed: it changed while this hub was publishing (another hub running?)`,
    });
    expect(pending, 'no write still in flight when it throws').toBe(0);
    expect(await pointerOf(store, 'eu-stg-001')).toMatchObject({ generation: 2, revision });
    expect(await pointerOf(store, CONTESTED)).toMatchObject({ generation: 7 });
    expect((await store.get(storeLayout.revision(revision))).kind, 'no revision record after a failed publish').toBe('not-found');
  });

  it('reads a remembered pointer again when it turns out stale, and moves it past what it found', async () => {
    const { store, compile, change, writeForeign, attempts } = setup({ stateless: false });
    await compile();
    // Rewritten behind the hub's back without a new publish marker: the hub state stays trusted.
    await writeForeign(5);
    change();
    const before = attempts();
    const { outcome } = await compile();
    expect(outcome).toMatchObject({ pointersUpdated: 3 });
    expect(attempts() - before, 'one stale write, one after reading').toBe(2);
    expect(await pointerOf(store, CONTESTED)).toMatchObject({ generation: 6 });
    expect(await pointerOf(store, 'eu-stg-001')).toMatchObject({ generation: 2 });
  });

  it('retries a stale remembered pointer once only: a second change is a PublishConflict', async () => {
    let racing = false;
    const { compile, change, writeForeign, attempts } = setup({ stateless: false, beforeHubWrite: (n) => (racing ? writeForeign(10 + n) : Promise.resolve()) });
    await compile();
    change();
    racing = true;
    const before = attempts();
    const { outcome, pending } = await compile();
    expect(outcome).toMatchObject({ code: 'PublishConflict', errorClass: 'stalled', data: { cluster: CONTESTED } });
    expect(attempts() - before).toBe(2);
    expect(pending).toBe(0);
  });

  it.each([
    ['a remembered pointer (hub state), found stale', false],
    ['a pointer read from the store', true],
  ])("keeps the pointer's previews bundle when a publish moves %s", async (_, stateless) => {
    const { store, compile, change, writePreviews } = setup({ stateless });
    await compile();
    const previews = `sha256:${'a'.repeat(64)}`;
    await writePreviews(previews);
    const revision = change();
    const { outcome } = await compile();
    expect(outcome).toMatchObject({ pointersUpdated: 3 });
    const moved = await pointerOf(store, CONTESTED);
    expect(moved).toMatchObject({ revision, generation: 3, previews });
    expect((await pointerOf(store, 'eu-stg-001')).previews, 'a cluster without previews gets none').toBeUndefined();
  });
});
