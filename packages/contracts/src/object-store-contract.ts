import { randomBytes } from 'node:crypto';
import { listAll, type ObjectStore } from '@driftless/core';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A store under test, fresh and empty, and how to dispose of it. */
export interface ObjectStoreContractSubject {
  readonly store: ObjectStore;
  readonly cleanup?: () => Promise<void> | void;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * The behaviour every ObjectStore adapter must have, run unchanged against S3
 * (MinIO), the filesystem and memory, so the fakes cannot drift from the real
 * thing. `make` returns a fresh, empty store (a new prefix, directory or
 * instance).
 */
export function describeObjectStoreContract(name: string, make: () => Promise<ObjectStoreContractSubject>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let subject: ObjectStoreContractSubject;
    let store: ObjectStore;
    beforeAll(async () => {
      subject = await make();
      store = subject.store;
    });
    afterAll(async () => {
      await subject.cleanup?.();
    });

    it('answers not-found for a missing key, undefined from head, and deletes it without error', async () => {
      expect(await store.get('missing/key.json')).toEqual({ kind: 'not-found' });
      expect(await store.head('missing/key.json')).toBeUndefined();
      await store.delete('missing/key.json');
    });

    it('returns what was put, byte for byte, with an ETag that head agrees with', async () => {
      const body = Uint8Array.from({ length: 256 }, (_, i) => i);
      const put = await store.put('bin/all-bytes', body);
      expect(put.kind).toBe('written');
      const got = await store.get('bin/all-bytes');
      expect(got).toEqual({ kind: 'found', body, etag: put.kind === 'written' ? put.etag : '' });
      const head = await store.head('bin/all-bytes');
      expect(head).toMatchObject({ etag: put.kind === 'written' ? put.etag : '', size: 256 });
      // Within a day of this test's clock: stores keep their own (MinIO: seconds) precision.
      expect(Math.abs((head?.modifiedMs ?? 0) - Date.now())).toBeLessThan(86_400_000);
    });

    it('answers not-modified to a conditional get with the current ETag, and the new bytes once it changed', async () => {
      const first = await store.put('clusters/a/desired.json', bytes('{"generation":1}'));
      const etag = first.kind === 'written' ? first.etag : '';
      expect(await store.get('clusters/a/desired.json', { ifNoneMatch: etag })).toEqual({ kind: 'not-modified' });
      await store.put('clusters/a/desired.json', bytes('{"generation":2}'));
      const changed = await store.get('clusters/a/desired.json', { ifNoneMatch: etag });
      expect(changed.kind).toBe('found');
      if (changed.kind === 'found') {
        expect(text(changed.body)).toBe('{"generation":2}');
        expect(changed.etag).not.toBe(etag);
      }
    });

    it('refuses put-if-absent on an existing key and keeps its bytes', async () => {
      expect((await store.putIfAbsent('blobs/sha256/x', bytes('first'))).kind).toBe('created');
      expect(await store.putIfAbsent('blobs/sha256/x', bytes('second'))).toEqual({ kind: 'exists' });
      const got = await store.get('blobs/sha256/x');
      expect(got.kind === 'found' && text(got.body)).toBe('first');
    });

    it('compare-and-swaps on the current ETag, and refuses a stale one or a missing object', async () => {
      const v1 = await store.put('cas/pointer', bytes('v1'));
      const e1 = v1.kind === 'written' ? v1.etag : '';
      const v2 = await store.put('cas/pointer', bytes('v2'), { ifMatch: e1 });
      expect(v2.kind).toBe('written');
      expect(await store.put('cas/pointer', bytes('v3'), { ifMatch: e1 })).toEqual({ kind: 'conflict' });
      const got = await store.get('cas/pointer');
      expect(got.kind === 'found' && text(got.body)).toBe('v2');
      expect(await store.put('cas/never-written', bytes('x'), { ifMatch: e1 })).toEqual({ kind: 'conflict' });
      expect(await store.get('cas/never-written')).toEqual({ kind: 'not-found' });
    });

    it('deletes a key, which can then be created again', async () => {
      await store.put('del/me', bytes('x'));
      await store.delete('del/me');
      expect(await store.get('del/me')).toEqual({ kind: 'not-found' });
      expect((await store.list('del/')).keys).toEqual([]);
      expect((await store.putIfAbsent('del/me', bytes('y'))).kind).toBe('created');
    });

    it('refuses to read an object over maxBytes, and reads it within', async () => {
      await store.put('big/blob', new Uint8Array(2048));
      await expect(store.get('big/blob', { maxBytes: 1024 })).rejects.toMatchObject({ code: 'TooLarge', errorClass: 'stalled' });
      expect((await store.get('big/blob', { maxBytes: 2048 })).kind).toBe('found');
    });

    it('lists more than 1,000 keys by prefix in pages, each key once, in order', async () => {
      const keys = Array.from({ length: 1_050 }, (_, i) => `many/clusters/c-${String(i).padStart(5, '0')}/desired.json`);
      const limit = pLimit(32);
      await Promise.all(keys.map((k) => limit(() => store.put(k, bytes(k)))));
      await store.put('many/other/not-listed', bytes('x'));
      const first = await store.list('many/clusters/');
      expect(first.keys.length).toBeLessThanOrEqual(1_000);
      expect(first.nextPageToken).toBeDefined();
      const all: string[] = [];
      for await (const k of listAll(store, 'many/clusters/')) all.push(k);
      expect(all).toEqual(keys);
      const partial: string[] = [];
      for await (const k of listAll(store, 'many/clusters/c-0104')) partial.push(k);
      expect(partial).toEqual(keys.slice(1_040, 1_050));
    });

    it('lists ETags, when it gives them, equal to what get and head return', async () => {
      await store.put('tags/a/status.json', bytes('a1'));
      await store.put('tags/b/status.json', bytes('b1'));
      await store.put('tags/a/status.json', bytes('a2'));
      const page = await store.list('tags/');
      expect(page.keys).toEqual(['tags/a/status.json', 'tags/b/status.json']);
      if (page.etags === undefined) return;
      expect(page.etags).toHaveLength(page.keys.length);
      for (const [i, key] of page.keys.entries()) {
        const got = await store.get(key);
        expect(got.kind === 'found' ? got.etag : undefined).toBe(page.etags[i]);
        expect((await store.head(key))?.etag).toBe(page.etags[i]);
      }
      // After an overwrite, and after a delete and a new write, the listed ETag follows.
      const over = await store.put('tags/b/status.json', bytes('b2'));
      await store.delete('tags/a/status.json');
      expect((await store.list('tags/')).keys).toEqual(['tags/b/status.json']);
      const again = await store.put('tags/a/status.json', bytes('a3'));
      const after = await store.list('tags/');
      expect(after.keys).toEqual(['tags/a/status.json', 'tags/b/status.json']);
      expect(after.etags).toEqual([again.kind === 'written' ? again.etag : '', over.kind === 'written' ? over.etag : '']);
    });

    it('lets exactly one of 20 racing put-if-absent writers win, and keeps the winner bytes', async () => {
      const bodies = Array.from({ length: 20 }, () => randomBytes(64));
      const results = await Promise.all(bodies.map((b) => store.putIfAbsent('race/blob', b)));
      const winners = results.flatMap((r, i) => (r.kind === 'created' ? [i] : []));
      expect(winners).toHaveLength(1);
      const got = await store.get('race/blob');
      expect(got.kind === 'found' && Buffer.from(got.body).equals(bodies[winners[0] ?? -1] ?? Buffer.alloc(0))).toBe(true);
    });

    it('lets exactly one of 20 racing compare-and-swap writers win, and keeps the winner bytes', async () => {
      const base = await store.put('race/pointer', bytes('base'));
      const etag = base.kind === 'written' ? base.etag : '';
      const bodies = Array.from({ length: 20 }, () => randomBytes(64));
      const results = await Promise.all(bodies.map((b) => store.put('race/pointer', b, { ifMatch: etag })));
      const winners = results.flatMap((r, i) => (r.kind === 'written' ? [i] : []));
      expect(winners).toHaveLength(1);
      const got = await store.get('race/pointer');
      expect(got.kind === 'found' && Buffer.from(got.body).equals(bodies[winners[0] ?? -1] ?? Buffer.alloc(0))).toBe(true);
    });

    it.each(['../escape', '/absolute', 'a//b', 'a/./b', '', 'a/.driftless-lock-x'])('refuses the invalid key %j', async (key) => {
      await expect(store.get(key)).rejects.toMatchObject({ code: 'InvalidStoreConfig' });
      await expect(store.put(key, bytes('x'))).rejects.toMatchObject({ code: 'InvalidStoreConfig' });
    });
  });
}
