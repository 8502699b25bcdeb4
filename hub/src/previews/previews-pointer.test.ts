import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { API_VERSION, canonicalBytes, PointerVerifier, signPointer, storeLayout, type Digest, type ObjectStore, type Pointer } from '@driftless/core';
import { MemoryObjectStore, VirtualClock, type StoreOperation } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { freeze } from '../control/freeze.js';
import { pointerOf } from '../testing/store-reads.js';
import { createSetPreviewsPointer } from './previews-pointer.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const TTL = 3_600_000;
const HOST = 'host-1';
const KEY = storeLayout.pointer(HOST);
const RELEASE: Digest = `sha256:${'1'.repeat(64)}`;
const PREVIEWS: Digest = `sha256:${'2'.repeat(64)}`;
const signingKey = generateKeyPairSync('ed25519').privateKey;

/** A memory store whose `hook` runs (awaited) before each operation, and a host pointer at generation 3 when `pointer`. */
async function setup(opts: { pointer?: boolean; signed?: boolean } = {}) {
  const clock = new VirtualClock(NOW);
  const hook: { current?: ((op: StoreOperation, key: string) => Promise<void>) | undefined } = {};
  const store = new MemoryObjectStore({ clock, latency: (op, key) => hook.current?.(op, key) ?? Promise.resolve() });
  const release: Pointer = { apiVersion: API_VERSION, kind: 'Pointer', cluster: HOST, bundle: RELEASE, revision: 'a'.repeat(40), generation: 3, publishedAt: new Date(NOW - 1000).toISOString() };
  if (opts.pointer ?? true) await store.put(KEY, canonicalBytes(opts.signed === false ? release : signPointer({ ...release, expiresAt: new Date(NOW + 10).toISOString() }, signingKey)));
  const setPreviews = createSetPreviewsPointer({ store, clock, pointerTtlMs: TTL, ...(opts.signed === false ? {} : { signingKey }) });
  return { clock, hook, store, setPreviews };
}

const verify = (p: Pointer): void => void new PointerVerifier(createPublicKey(signingKey)).verify(p, 'pointer', HOST);
/** Writes the host pointer as a publish would: another bundle, generation `generation`, signed. */
const publish = async (store: ObjectStore, generation: number, bundle: Digest = `sha256:${'3'.repeat(64)}`): Promise<void> => {
  const p = await pointerOf(store, HOST);
  await store.put(KEY, canonicalBytes(signPointer({ ...p, bundle, generation, revision: 'b'.repeat(40) }, signingKey)));
};

describe('setPreviewsPointer', () => {
  it("points the host's previews at the digest, keeping its release: generation + 1, published now, signed, expiring after the ttl", async () => {
    const { store, setPreviews } = await setup();
    expect(await setPreviews(HOST, PREVIEWS)).toBe('moved');
    const p = await pointerOf(store, HOST);
    expect(p).toMatchObject({ bundle: RELEASE, revision: 'a'.repeat(40), previews: PREVIEWS, generation: 4, publishedAt: new Date(NOW).toISOString(), expiresAt: new Date(NOW + TTL).toISOString() });
    verify(p);
  });

  it('awaits beforeMove once before it writes, and not at all when it keeps or holds the pointer', async () => {
    const { store, setPreviews } = await setup();
    const order: string[] = [];
    const beforeMove = (): Promise<void> => {
      order.push('ready');
      return Promise.resolve();
    };
    expect(await setPreviews(HOST, PREVIEWS, beforeMove)).toBe('moved');
    expect(order).toEqual(['ready']);
    expect(await setPreviews(HOST, PREVIEWS, beforeMove)).toBe('kept');
    await freeze(store, { apiVersion: API_VERSION, kind: 'Freeze', actor: 'oncall', reason: 'incident', at: new Date(NOW).toISOString() });
    expect(await setPreviews(HOST, undefined, beforeMove)).toBe('held-frozen');
    expect(order).toEqual(['ready']);
  });

  it('keeps a pointer that already names the digest, and removes the field for undefined', async () => {
    const { store, setPreviews } = await setup();
    await setPreviews(HOST, PREVIEWS);
    const etag = (await store.head(KEY))?.etag;
    expect(await setPreviews(HOST, PREVIEWS)).toBe('kept');
    expect((await store.head(KEY))?.etag, 'nothing written').toBe(etag);
    expect(await setPreviews(HOST, undefined)).toBe('moved');
    const p = await pointerOf(store, HOST);
    expect(p.previews).toBeUndefined();
    expect(p).toMatchObject({ bundle: RELEASE, generation: 5 });
    verify(p);
    expect(await setPreviews(HOST, undefined)).toBe('kept');
  });

  it('writes an unsigned pointer unsigned, without an expiry', async () => {
    const { store, setPreviews } = await setup({ signed: false });
    expect(await setPreviews(HOST, PREVIEWS)).toBe('moved');
    const p = await pointerOf(store, HOST);
    expect(p).toMatchObject({ previews: PREVIEWS, generation: 4 });
    expect(p.signature).toBeUndefined();
    expect(p.expiresAt).toBeUndefined();
  });

  it('refuses to replace a signed pointer with an unsigned one, writing nothing', async () => {
    const { store } = await setup();
    const unsigned = createSetPreviewsPointer({ store, clock: new VirtualClock(NOW), pointerTtlMs: TTL });
    await expect(unsigned(HOST, PREVIEWS)).rejects.toMatchObject({ code: 'PublishRefused', message: expect.stringContaining('--sign-key') });
    expect((await pointerOf(store, HOST)).previews).toBeUndefined();
  });

  it('answers no-pointer for a cluster without one, and writes none', async () => {
    const { store, setPreviews } = await setup({ pointer: false });
    expect(await setPreviews(HOST, PREVIEWS)).toBe('no-pointer');
    expect((await store.get(KEY)).kind).toBe('not-found');
  });

  it('holds the move while the fleet is frozen, and makes it once unfrozen', async () => {
    const { store, setPreviews } = await setup();
    await freeze(store, { apiVersion: API_VERSION, kind: 'Freeze', actor: 'oncall', reason: 'incident', at: new Date(NOW).toISOString() });
    expect(await setPreviews(HOST, PREVIEWS)).toBe('held-frozen');
    expect((await pointerOf(store, HOST)).previews).toBeUndefined();
    await store.delete(storeLayout.freeze);
    expect(await setPreviews(HOST, PREVIEWS)).toBe('moved');
  });

  it('reads the pointer again when a publish moved it between read and write, and keeps what the publish wrote', async () => {
    const { store, hook, setPreviews } = await setup();
    const published: Digest = `sha256:${'4'.repeat(64)}`;
    hook.current = async (op, key) => {
      if (op !== 'put' || key !== KEY) return;
      hook.current = undefined;
      await publish(store, 9, published);
    };
    expect(await setPreviews(HOST, PREVIEWS)).toBe('moved');
    const p = await pointerOf(store, HOST);
    expect(p).toMatchObject({ bundle: published, revision: 'b'.repeat(40), previews: PREVIEWS, generation: 10 });
    verify(p);
  });

  it('gives up with a stalled PublishConflict when it loses the race every time, having written nothing of its own', async () => {
    const { store, hook, setPreviews } = await setup();
    let generation = 10;
    hook.current = async (op, key) => {
      if (op !== 'put' || key !== KEY) return;
      const again = hook.current;
      hook.current = undefined;
      await publish(store, (generation += 1));
      hook.current = again;
    };
    await expect(setPreviews(HOST, PREVIEWS)).rejects.toMatchObject({ code: 'PublishConflict', errorClass: 'stalled', data: { cluster: HOST, key: KEY } });
    expect((await pointerOf(store, HOST)).previews).toBeUndefined();
  });
});
