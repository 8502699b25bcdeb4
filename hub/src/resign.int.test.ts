import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalBytes, parseSigningKey, PointerVerifier, storeLayout, type ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { binaryPath, commitFiles, createBareRepo, fixtureFleet, s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createHub } from './hub.js';
import { nodeHubDeps } from './node-hub-deps.js';
import { resignPointers } from './resign.js';
import { generateSigningKeyPair } from './signing-keys.js';
import { pointerOf } from './testing/store-reads.js';

const env = inject('driftlessEnv');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const START = Date.parse('2030-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const CLUSTERS = ['eu-prod-001', 'eu-stg-001', 'us-prod-001'];

/** A fleet on the real git server published to MinIO, signed, at START of a virtual clock. */
async function published(opts: { signed?: boolean; pointerTtlMs?: number } = {}) {
  const name = uniqueName('resign');
  const bare = await createBareRepo(env.git.root, name);
  await commitFiles(bare, fixtureFleet(), 'first');
  const store = s3StoreFor(env, uniqueName('resign'));
  cleanups.push(() => store.destroy());
  const cacheDir = await mkdtemp(join(tmpdir(), 'driftless-resign-'));
  cleanups.push(() => rm(cacheDir, { recursive: true, force: true }));
  const key = parseSigningKey(generateSigningKeyPair().privateKeyPem);
  const clock = new VirtualClock(START);
  const signed = opts.signed ?? true;
  const hub = createHub(
    nodeHubDeps({
      store,
      clock,
      cacheDir,
      kustomizeBinary: binaryPath('kustomize'),
      ...(signed ? { signingKey: key } : {}),
      ...(opts.pointerTtlMs ? { pointerTtlMs: opts.pointerTtlMs } : {}),
    }),
  );
  await hub.compile({ repo: `${env.git.baseUrl}${name}.git` });
  return { store, key, clock, verifier: () => new PointerVerifier(createPublicKey(key)) };
}

describe('signed pointers expire, and hub resign renews them (real git server, MinIO)', () => {
  it('signs every pointer with expiresAt = publish time + the TTL (default 7 days)', async () => {
    const { store } = await published();
    for (const c of CLUSTERS) expect(await pointerOf(store, c)).toMatchObject({ expiresAt: new Date(START + 7 * DAY).toISOString() });
    const short = await published({ pointerTtlMs: DAY });
    expect(await pointerOf(short.store, 'eu-prod-001')).toMatchObject({ expiresAt: new Date(START + DAY).toISOString() });
  });

  it('re-signs pointers within the window, same cluster, bundle, revision and generation, and leaves fresh ones alone', async () => {
    const { store, key, clock, verifier } = await published();
    const before = await pointerOf(store, 'eu-prod-001');
    await clock.advance(START + 3 * DAY);
    const early = await resignPointers({ store, signingKey: key, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    expect(early).toEqual({ resigned: [], fresh: 3, conflicts: [], failed: [] });
    await clock.advance(START + 4 * DAY);
    const report = await resignPointers({ store, signingKey: key, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    const expiresAt = new Date(START + 11 * DAY).toISOString();
    expect(report).toEqual({ resigned: CLUSTERS.map((cluster) => ({ cluster, generation: 1, expiresAt })), fresh: 0, conflicts: [], failed: [] });
    const after = await pointerOf(store, 'eu-prod-001');
    expect(after).toEqual({ ...before, expiresAt, signature: after.signature });
    // An agent that accepted the first one accepts the renewed one: the same generation naming the same bundle.
    const v = verifier();
    v.verify(JSON.parse(JSON.stringify(before)), 'p', 'eu-prod-001');
    expect(v.verify(JSON.parse(JSON.stringify(after)), 'p', 'eu-prod-001').expiresAt).toBe(expiresAt);
  });

  it('signs pointers that carry no expiry at all', async () => {
    const { store, key, clock, verifier } = await published({ signed: false });
    const report = await resignPointers({ store, signingKey: key, clock, ttlMs: DAY, withinMs: DAY / 2 });
    expect(report.resigned.map((r) => r.cluster)).toEqual(CLUSTERS);
    expect(verifier().verify(JSON.parse(JSON.stringify(await pointerOf(store, 'us-prod-001'))), 'p', 'us-prod-001')).toMatchObject({
      generation: 1,
      expiresAt: new Date(START + DAY).toISOString(),
    });
  });

  it('never overwrites a pointer that a publish changed after resign read it (compare-and-swap on its ETag)', async () => {
    const { store, key, clock } = await published();
    await clock.advance(START + 6 * DAY);
    const contested = storeLayout.pointer('eu-stg-001');
    const { signature: _unsigned, ...current } = await pointerOf(store, 'eu-stg-001');
    const newer = { ...current, generation: 2 };
    // A publish lands between resign's read of the pointer and its write.
    const racing: ObjectStore = {
      get: (k, o) => store.get(k, o),
      head: (k, o) => store.head(k, o),
      putIfAbsent: (k, b, o) => store.putIfAbsent(k, b, o),
      list: (p, o) => store.list(p, o),
      delete: (k, o) => store.delete(k, o),
      put: async (k, b, o) => {
        if (k === contested) await store.put(k, canonicalBytes(newer));
        return await store.put(k, b, o);
      },
    };
    const report = await resignPointers({ store: racing, signingKey: key, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    expect(report.conflicts).toEqual(['eu-stg-001']);
    expect(report.resigned.map((r) => r.cluster)).toEqual(['eu-prod-001', 'us-prod-001']);
    expect(await pointerOf(store, 'eu-stg-001')).toEqual(newer);
  });
});
