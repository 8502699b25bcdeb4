import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalBytes, parseSigningKey, PointerVerifier, signPointer, storeLayout, type ObjectStore } from '@driftless/core';
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
  /** `hub compile` of the fleet's commit, signing with `signingKey` when given. */
  const compile = async (signingKey?: KeyObject): Promise<void> => {
    const deps = nodeHubDeps({
      store,
      clock,
      cacheDir,
      kustomizeBinary: binaryPath('kustomize'),
      ...(signingKey ? { signingKey } : {}),
      ...(opts.pointerTtlMs ? { pointerTtlMs: opts.pointerTtlMs } : {}),
    });
    await createHub(deps).compile({ repo: `${env.git.baseUrl}${name}.git` });
  };
  await compile((opts.signed ?? true) ? key : undefined);
  /** A commit that changes `files` (paths relative to the fleet repository's root). */
  const commit = (files: Record<string, string>, message: string) => commitFiles(bare, files, message);
  return { store, key, clock, compile, commit, verifier: () => new PointerVerifier(createPublicKey(key)) };
}

/** Writes `pointer` as `cluster`'s pointer, as anyone with write access to the store could. */
async function forge(store: ObjectStore, cluster: string, pointer: Record<string, unknown>): Promise<void> {
  await store.put(storeLayout.pointer(cluster), canonicalBytes(pointer), { contentType: 'application/json' });
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

  it('renews a pointer the hub signed without an expiry', async () => {
    const { store, key, clock, verifier } = await published();
    const { signature: _s, expiresAt: _e, ...unexpiring } = await pointerOf(store, 'us-prod-001');
    await forge(store, 'us-prod-001', signPointer(unexpiring, key));
    const report = await resignPointers({ store, signingKey: key, clock, ttlMs: DAY, withinMs: DAY / 2 });
    expect(report).toMatchObject({ resigned: [{ cluster: 'us-prod-001', generation: 1, expiresAt: new Date(START + DAY).toISOString() }], failed: [] });
    expect(verifier().verify(JSON.parse(JSON.stringify(await pointerOf(store, 'us-prod-001'))), 'p', 'us-prod-001')).toMatchObject({ generation: 1 });
  });

  it('never signs a forged pointer: unsigned, signed by another key, or naming a bundle its revision never published; a genuine one still is', async () => {
    const { store, key, clock } = await published();
    const genuine = await pointerOf(store, 'eu-prod-001');
    const { signature: _s, ...unsigned } = genuine;
    const theirBlob = `sha256:${'e'.repeat(64)}`;
    // Anyone who can write the store: a high generation naming their own blob, to lift the replay floor for good.
    const forged = {
      'eu-stg-001': { ...unsigned, cluster: 'eu-stg-001', bundle: theirBlob, generation: 999 },
      'us-prod-001': signPointer({ ...unsigned, cluster: 'us-prod-001', bundle: theirBlob, generation: 999 }, parseSigningKey(generateSigningKeyPair().privateKeyPem)),
    };
    for (const [cluster, p] of Object.entries(forged)) await forge(store, cluster, p);
    // Signed by the hub's key but naming a bundle the revision record does not give that cluster.
    await forge(store, 'eu-prod-001', signPointer({ ...unsigned, bundle: theirBlob }, key));
    await forge(store, 'eu-prod-002', signPointer({ ...unsigned, cluster: 'eu-prod-002' }, key));
    await clock.advance(START + 6 * DAY);
    const report = await resignPointers({ store, signingKey: key, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    expect(report.resigned).toEqual([]);
    expect(report.failed.map((f) => f.cluster)).toEqual(['eu-prod-001', 'eu-prod-002', 'eu-stg-001', 'us-prod-001']);
    const reasons = Object.fromEntries(report.failed.map((f) => [f.cluster, f.reason]));
    expect(reasons['eu-stg-001']).toMatch(/^pointer clusters\/eu-stg-001\/desired\.json resign refused: .*not signed/);
    expect(reasons['us-prod-001']).toMatch(/^pointer clusters\/us-prod-001\/desired\.json resign refused: .*signature does not match/);
    expect(reasons['eu-prod-001']).toMatch(
      new RegExp(`^pointer clusters/eu-prod-001/desired\\.json resign refused: it names ${theirBlob}, but the last publish \\(revision ${genuine.revision}, .*\\) gave cluster eu-prod-001 ${genuine.bundle}`),
    );
    expect(reasons['eu-prod-002']).toMatch(/resign refused: the last publish \(revision [0-9a-f]+, per hub\/last-publish\.json\) gave cluster eu-prod-002 no bundle/);
    // Left exactly as they were: no signature of the hub's on any of them.
    expect(await pointerOf(store, 'eu-stg-001')).toEqual(forged['eu-stg-001']);
    expect(await pointerOf(store, 'us-prod-001')).toEqual(forged['us-prod-001']);

    // A genuine pointer beside the forged ones is still renewed.
    await forge(store, 'eu-prod-001', genuine);
    const again = await resignPointers({ store, signingKey: key, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    expect(again.resigned).toEqual([{ cluster: 'eu-prod-001', generation: 1, expiresAt: new Date(START + 13 * DAY).toISOString() }]);
  });

  it('leaves unsigned pointers to hub compile --sign-key, which signs every one of them (from unsigned to signed)', async () => {
    const { store, key, clock, compile, verifier } = await published({ signed: false });
    const refused = await resignPointers({ store, signingKey: key, clock, ttlMs: DAY, withinMs: DAY / 2 });
    expect(refused.failed.map((f) => f.cluster)).toEqual(CLUSTERS);
    expect(refused.failed[0]?.reason).toContain('hub compile --sign-key');
    await compile(key);
    for (const c of CLUSTERS) expect(verifier().verify(JSON.parse(JSON.stringify(await pointerOf(store, c))), 'p', c)).toMatchObject({ generation: 2 });
    await clock.advance(START + 5 * DAY);
    const renewed = await resignPointers({ store, signingKey: key, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    expect(renewed).toMatchObject({ failed: [], fresh: 0 });
    expect(renewed.resigned.map((r) => r.cluster)).toEqual(CLUSTERS);
  });

  it('rotates keys through hub compile with the new key: it re-signs every pointer, which resign with the new key then renews', async () => {
    const { store, key, clock, compile } = await published();
    const next = parseSigningKey(generateSigningKeyPair().privateKeyPem);
    const before = await resignPointers({ store, signingKey: next, clock, ttlMs: DAY, withinMs: DAY / 2 });
    expect(before.failed.map((f) => f.cluster)).toEqual(CLUSTERS);
    await compile(next);
    await clock.advance(START + 5 * DAY);
    const after = await resignPointers({ store, signingKey: next, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    expect(after.resigned).toEqual(CLUSTERS.map((cluster) => ({ cluster, generation: 2, expiresAt: new Date(START + 12 * DAY).toISOString() })));
    const renewed = JSON.parse(JSON.stringify(await pointerOf(store, 'eu-prod-001'))) as unknown;
    expect(new PointerVerifier(createPublicKey(next)).verify(renewed, 'p', 'eu-prod-001')).toMatchObject({ generation: 2 });
    expect(() => new PointerVerifier(createPublicKey(key)).verify(renewed, 'p', 'eu-prod-001')).toThrow(/signature does not match/);
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

  it('never renews a replayed older pointer the hub signed itself, and renews pointers kept unchanged since an older revision', async () => {
    const { store, key, clock, compile, commit } = await published();
    const gen1 = await store.get(storeLayout.pointer('eu-prod-001'));
    if (gen1.kind !== 'found') throw new Error('no generation-1 pointer');
    const first = await pointerOf(store, 'eu-prod-001');
    const kept = await pointerOf(store, 'us-prod-001');
    // Generation 2 for eu-prod-001 only: the other clusters keep their generation-1 pointers, naming the first revision.
    const file = 'clusters/eu-prod-001.yaml';
    await commit({ [file]: (fixtureFleet()[file] ?? '').replace('eu-west-1', 'eu-central-1') }, 'second');
    await compile(key);
    const gen2 = await pointerOf(store, 'eu-prod-001');
    expect(gen2).toMatchObject({ generation: 2 });
    expect(gen2.revision).not.toBe(kept.revision);
    // The first revision's publish crashed before its record (a later compile kept its pointers): no matter.
    await store.delete(storeLayout.revision(kept.revision));
    // Anyone who can write the store puts the hub's own generation-1 pointer back, to freeze eu-prod-001 there.
    await store.put(storeLayout.pointer('eu-prod-001'), gen1.body, { contentType: 'application/json' });
    await clock.advance(START + 5 * DAY);
    const report = await resignPointers({ store, signingKey: key, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    const expiresAt = new Date(START + 12 * DAY).toISOString();
    expect(report.resigned).toEqual(['eu-stg-001', 'us-prod-001'].map((cluster) => ({ cluster, generation: 1, expiresAt })));
    expect(report.failed).toEqual([
      {
        cluster: 'eu-prod-001',
        reason:
          `pointer clusters/eu-prod-001/desired.json resign refused: it names ${first.bundle}, but the last publish (revision ${gen2.revision}, ` +
          `per hub/last-publish.json) gave cluster eu-prod-001 ${gen2.bundle} (an older pointer put back?); run hub compile of the current commit again`,
      },
    ]);
    const after = await store.get(storeLayout.pointer('eu-prod-001'));
    expect(after.kind === 'found' && Buffer.from(after.body).equals(Buffer.from(gen1.body))).toBe(true);
  });

  it('renews nothing while the last publish has no revision record (it crashed before writing it), and says so', async () => {
    const { store, key, clock } = await published();
    const { revision } = await pointerOf(store, 'eu-prod-001');
    await store.delete(storeLayout.revision(revision));
    await clock.advance(START + 5 * DAY);
    const report = await resignPointers({ store, signingKey: key, clock, ttlMs: 7 * DAY, withinMs: 3.5 * DAY });
    expect(report.resigned).toEqual([]);
    expect(report.failed.map((f) => f.cluster)).toEqual(CLUSTERS);
    expect(report.failed[0]?.reason).toMatch(
      new RegExp(`resign refused: revisions/${revision}\\.json, the record of the last publish \\(hub/last-publish\\.json\\), does not exist .*run hub compile`),
    );
  });
});
