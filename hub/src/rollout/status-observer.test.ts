import { MemoryObjectStore } from '@driftless/fakes';
import { createFileStore } from '@driftless/store';
import { storeLayout, type ObjectStore } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { digestOf, putStatus } from '../testing/rollout-fixture.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { createStatusObserver } from './status-observer.js';

const tempDir = tempDirs('observer');

/** `store` with listings that carry no ETags, as a file store written before its ETag marks (a listing without them). */
const withoutListedEtags = (store: ObjectStore): ObjectStore => ({
  ...store,
  list: async (prefix, opts) => {
    const { etags: _etags, ...page } = await store.list(prefix, opts);
    return page;
  },
});

describe('createStatusObserver', () => {
  it('reads every status once, then GETs nothing when nothing changed, then only the changed one', async () => {
    const store = new MemoryObjectStore();
    for (const c of ['a', 'b', 'c']) await putStatus(store, c, 'Progressing', digestOf('1'), 1);
    const observer = createStatusObserver(store);
    expect([...(await observer.observe()).keys()]).toEqual(['a', 'b', 'c']);
    expect(observer.requests).toMatchObject({ list: 1, get: 3 });
    const gets = store.counters.get200 + store.counters.get304;
    await observer.observe();
    expect(store.counters.get200 + store.counters.get304 - gets).toBe(0);
    await putStatus(store, 'b', 'Applied', digestOf('1'), 1);
    const seen = await observer.observe();
    expect(store.counters.get200 + store.counters.get304 - gets).toBe(1);
    expect(seen.get('b')).toMatchObject({ phase: 'Applied', appliedBundle: digestOf('1'), observedGeneration: 1 });
  });

  it('only observes the clusters asked for', async () => {
    const store = new MemoryObjectStore();
    for (const c of ['a', 'b']) await putStatus(store, c, 'Applied', digestOf('1'), 1);
    const observer = createStatusObserver(store);
    expect([...(await observer.observe(['b', 'z'])).keys()]).toEqual(['b']);
    expect(observer.requests.get).toBe(1);
  });

  it('skips an invalid status with a log line and keeps observing the others', async () => {
    const store = new MemoryObjectStore();
    await putStatus(store, 'a', 'Applied', digestOf('1'), 1);
    await store.put(storeLayout.status('bad'), new TextEncoder().encode('{"kind":"Status"}'));
    const lines: Record<string, unknown>[] = [];
    const observer = createStatusObserver(store, { log: (e) => lines.push(e) });
    expect([...(await observer.observe()).keys()]).toEqual(['a']);
    expect(lines).toMatchObject([{ level: 'warn', cluster: 'bad' }]);
    await observer.observe();
    expect(observer.requests.get).toBe(2);
  });

  it('without listed ETags (a file store without its ETag marks) reads with If-None-Match: unchanged statuses cost no body', async () => {
    const store = withoutListedEtags(createFileStore(await tempDir()));
    for (const c of ['a', 'b']) await putStatus(store, c, 'Progressing', digestOf('1'), 1);
    const observer = createStatusObserver(store);
    await observer.observe();
    await putStatus(store, 'a', 'Applied', digestOf('1'), 1);
    const seen = await observer.observe();
    expect(observer.requests).toMatchObject({ list: 2, get: 3, notModified: 1 });
    expect(seen.get('a')?.phase).toBe('Applied');
  });
});
