export { MemoryObjectStore, type MemoryStoreOptions, type StoreCounters, type StoreOperation } from './store/memory-store.js';
export { MemoryKubeTarget, type KubeOperation, type MemoryKubeOptions } from './kube/memory-kube.js';
export { StringPool } from './kube/string-pool.js';
export { VirtualClock } from './clock/virtual-clock.js';
export { MemoryRepository, type MemoryCommit, type MemoryFileChanges, type MemoryRepositoryOptions } from './git/memory-repository.js';
export { MemoryLeaseLock } from './kube/memory-lease-lock.js';
export { FakeMetricSource, type FakeAnswer, type FakeMetricSourceOptions } from './metrics/fake-metric-source.js';
