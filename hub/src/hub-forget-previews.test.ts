import { canonicalBytes, storeLayout } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { createHub } from './hub.js';
import { pointerOf } from './testing/store-reads.js';
import { unitHubDeps, withoutKustomize } from './testing/unit-hub.js';

const PREVIEWS = '  previews:\n    branches: ["feature/*"]\n    clusters: { matchLabels: { env: staging } }\n    apps: [web]\n    namespace: "pr-${branch.slug}"\n';

describe('Hub.forgetPreviews (hub serve calls it when the replica regains the lease)', () => {
  it('makes the next cycle look at every host again, so a pointer another replica changed meanwhile is put right', async () => {
    const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
    const repo = new MemoryRepository();
    const files = withoutKustomize(fixtureFleet());
    repo.commit({ ...files, 'fleet.yaml': `${files['fleet.yaml'] ?? ''}${PREVIEWS}` }, 'first');
    repo.createBranch('feature/a');
    repo.commit({ 'apps/web/base/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\ndata: { a: "1" }\n' }, 'feature', 'feature/a');
    const store = new MemoryObjectStore({ clock });
    const hub = createHub(unitHubDeps({ source: repo, store, clock }));
    const report = await hub.compile({ repo: repo.url, previews: true });
    expect(report.previews?.previews).toMatchObject([{ branch: 'feature/a', action: 'created' }]);
    const named = (await pointerOf(store, 'eu-stg-001')).previews;
    expect(named).toBeDefined();

    // Another replica, while this one stood by, dropped the host's previews.
    const { previews: _dropped, ...rest } = await pointerOf(store, 'eu-stg-001');
    await store.put(storeLayout.pointer('eu-stg-001'), canonicalBytes({ ...rest, generation: rest.generation + 1 }));
    const listing = await repo.listBranches({ repo: repo.url });
    await hub.previews({ repo: repo.url, listing });
    expect((await pointerOf(store, 'eu-stg-001')).previews, 'the memo still says the host is as it left it').toBeUndefined();

    hub.forgetPreviews();
    await hub.previews({ repo: repo.url, listing });
    expect((await pointerOf(store, 'eu-stg-001')).previews).toBe(named);
  });
});
