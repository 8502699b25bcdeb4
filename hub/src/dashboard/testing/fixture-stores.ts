import type { ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { s3StoreFor, type EnvironmentInfo } from '@driftless/testkit';
import { afterAll } from 'vitest';
import { startDashboardFixture, tempFileStore, type DashboardFixture, type DashboardFixtureOptions } from './dashboard-fixture.js';

/**
 * Stores and dashboards for one test file, all removed (servers closed first)
 * after its tests: a fresh `file:` store, a fresh MinIO prefix, and a fixture
 * started on one of them (a file store when none is given). Call it at the
 * top level of a test file: it registers an `afterAll` hook.
 */
export function useDashboardFixtures(env: EnvironmentInfo): {
  readonly fileStore: () => Promise<ObjectStore>;
  readonly minio: () => ObjectStore;
  readonly start: (opts: Omit<DashboardFixtureOptions, 'store'> & { readonly store?: ObjectStore }) => Promise<DashboardFixture>;
} {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });
  const fileStore = async (): Promise<ObjectStore> => {
    const t = await tempFileStore();
    cleanups.push(t.remove);
    return t.store;
  };
  return {
    fileStore,
    minio: () => {
      const store = s3StoreFor(env, uniqueName('dashboard'));
      cleanups.push(() => store.destroy());
      return store;
    },
    start: async (opts) => {
      const f = await startDashboardFixture({ ...opts, store: opts.store ?? (await fileStore()) });
      cleanups.unshift(() => f.close());
      return f;
    },
  };
}
