import type { ObjectStore } from '@driftless/core';

/** An ObjectStore that counts the requests made through it, by operation. */
export interface CountingStore {
  readonly store: ObjectStore;
  /** Requests since the last reset, by operation (get, head, list, put, putIfAbsent, delete). */
  counts(): Record<string, number>;
  reset(): void;
}

/** Wraps `store`, counting every call before passing it on unchanged. */
export function countingStore(store: ObjectStore): CountingStore {
  let counts: Record<string, number> = {};
  const count = (op: string): void => {
    counts[op] = (counts[op] ?? 0) + 1;
  };
  return {
    store: {
      get: (key, opts) => (count('get'), store.get(key, opts)),
      head: (key, opts) => (count('head'), store.head(key, opts)),
      putIfAbsent: (key, body, opts) => (count('putIfAbsent'), store.putIfAbsent(key, body, opts)),
      put: (key, body, opts) => (count('put'), store.put(key, body, opts)),
      list: (prefix, opts) => (count('list'), store.list(prefix, opts)),
      delete: (key, opts) => (count('delete'), store.delete(key, opts)),
    },
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
  };
}
