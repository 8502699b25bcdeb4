import { generateKeyPairSync } from 'node:crypto';
import { API_VERSION, canonicalBytes, signPointer, storeLayout, type Digest, type ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { VirtualClock } from '@driftless/fakes';
import { s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { pointerOf } from '../testing/store-reads.js';
import { createSetPreviewsPointer } from './previews-pointer.js';

const env = inject('driftlessEnv');
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups) c();
});

const NOW = Date.parse('2030-01-01T00:00:00Z');
const HOST = 'host-1';
const KEY = storeLayout.pointer(HOST);
const signingKey = generateKeyPairSync('ed25519').privateKey;
const PREVIEWS: Digest = `sha256:${'2'.repeat(64)}`;

describe('setPreviewsPointer on MinIO', () => {
  it('moves the previews of a signed pointer with a real ETag compare-and-swap, re-reading after a publish won the race', async () => {
    const s3 = s3StoreFor(env, uniqueName('previews-pointer'));
    cleanups.push(() => s3.destroy());
    const release = { apiVersion: API_VERSION, kind: 'Pointer' as const, cluster: HOST, bundle: `sha256:${'1'.repeat(64)}`, revision: 'a'.repeat(40), generation: 3, publishedAt: new Date(NOW).toISOString() };
    await s3.put(KEY, canonicalBytes(signPointer(release, signingKey)));
    let raced = false;
    // A publish writes the pointer between this read and the write: MinIO must refuse the stale If-Match.
    const store: ObjectStore = {
      get: (k, o) => s3.get(k, o),
      head: (k, o) => s3.head(k, o),
      putIfAbsent: (k, b, o) => s3.putIfAbsent(k, b, o),
      list: (p, o) => s3.list(p, o),
      delete: (k, o) => s3.delete(k, o),
      put: async (k, b, o) => {
        if (k === KEY && !raced) {
          raced = true;
          await s3.put(KEY, canonicalBytes(signPointer({ ...release, bundle: `sha256:${'4'.repeat(64)}`, generation: 8 }, signingKey)));
        }
        return await s3.put(k, b, o);
      },
    };
    const setPreviews = createSetPreviewsPointer({ store, clock: new VirtualClock(NOW), signingKey, pointerTtlMs: 60_000 });
    expect(await setPreviews(HOST, PREVIEWS)).toBe('moved');
    expect(await pointerOf(s3, HOST)).toMatchObject({ bundle: `sha256:${'4'.repeat(64)}`, previews: PREVIEWS, generation: 9 });
    expect(await setPreviews(HOST, PREVIEWS)).toBe('kept');
    expect(await setPreviews('no-such-host', PREVIEWS)).toBe('no-pointer');
  });
});
