import { describeObjectStoreContract } from '@driftless/contracts';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/virtual-clock.js';
import { MemoryObjectStore } from './memory-store.js';

describeObjectStoreContract('memory', () => Promise.resolve({ store: new MemoryObjectStore() }));

describe('MemoryObjectStore', () => {
  it('counts requests by outcome, as the bench reports them', async () => {
    const store = new MemoryObjectStore();
    const put = await store.put('p', new Uint8Array([1, 2, 3]));
    const etag = put.kind === 'written' ? put.etag : '';
    await store.get('p');
    await store.get('p', { ifNoneMatch: etag });
    await store.get('missing');
    await store.putIfAbsent('p', new Uint8Array([9]));
    expect(store.counters).toMatchObject({ get200: 1, get304: 1, get404: 1, put: 1, putRefused: 1, bytesDown: 3, bytesUp: 3 });
  });

  it('lists each key with its ETag, as S3 does', async () => {
    const store = new MemoryObjectStore();
    const put = await store.put('clusters/x/status.json', new Uint8Array([1]));
    expect((await store.list('clusters/')).etags).toEqual([put.kind === 'written' ? put.etag : 'none']);
  });

  it("dates each write by the injected clock's time", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const store = new MemoryObjectStore({ clock });
    await store.put('a', new Uint8Array([1]));
    await clock.advance(clock.now() + 5_000);
    await store.put('b', new Uint8Array([2]));
    expect([(await store.head('a'))?.modifiedMs, (await store.head('b'))?.modifiedMs]).toEqual([Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 5_000]);
  });

  it('injects faults of the requested class', async () => {
    const store = new MemoryObjectStore({ fault: (op) => (op === 'get' ? 'unavailable' : op === 'put' ? 'refused' : undefined) });
    await expect(store.get('k')).rejects.toMatchObject({ code: 'StoreUnavailable', errorClass: 'transient' });
    await expect(store.put('k', new Uint8Array())).rejects.toMatchObject({ code: 'StoreRefused', errorClass: 'stalled' });
    expect((await store.putIfAbsent('k', new Uint8Array())).kind).toBe('created');
  });

  it('awaits the latency model before answering', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const store = new MemoryObjectStore({ latency: () => gate });
    let answered = false;
    const pending = store.get('k').then(() => (answered = true));
    await Promise.resolve();
    expect(answered).toBe(false);
    release();
    await pending;
    expect(answered).toBe(true);
  });
});
