import type { ObjectStore } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { createHub } from './hub.js';
import { LAST_PUBLISH_KEY } from './state/hub-state.js';
import { pointerOf } from './testing/store-reads.js';
import { unitHubDeps, withoutKustomize } from './testing/unit-hub.js';

const SETTINGS = 'apps/config/settings.yaml';

describe('the roll-forward guard under concurrent compiles', () => {
  it('refuses a compile whose check was overtaken by a newer publish, before it moves any pointer', async () => {
    const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
    const repo = new MemoryRepository();
    const fleet = withoutKustomize(fixtureFleet());
    repo.commit(fleet, 'v1');
    const store = new MemoryObjectStore({ clock });
    // Job B's hub: once armed, its writes of the last-publish marker wait for the gate.
    let armed = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = async (key: string): Promise<void> => {
      if (armed && key === LAST_PUBLISH_KEY) await gate;
    };
    const slow: ObjectStore = {
      get: (k, o) => store.get(k, o),
      head: (k, o) => store.head(k, o),
      putIfAbsent: async (k, b, o) => (await held(k), await store.putIfAbsent(k, b, o)),
      put: async (k, b, o) => (await held(k), await store.put(k, b, o)),
      list: (p, o) => store.list(p, o),
      delete: (k, o) => store.delete(k, o),
    };
    const hubB = createHub(unitHubDeps({ source: repo, store: slow, clock }));
    await hubB.compile({ repo: repo.url });
    const v2 = repo.commit({ [SETTINGS]: (fleet[SETTINGS] ?? '').replace('region: "', 'zone: "') }, 'v2');
    armed = true;
    // B opens v2 at once (a memory sync does) and checks it against v1: forward, allowed.
    const jobB = hubB.compile({ repo: repo.url }).catch((e: unknown) => e);
    const v3 = repo.commit({ [SETTINGS]: (fleet[SETTINGS] ?? '').replace('region: "', 'area: "') }, 'v3');
    // Job A publishes v3 in full while B waits to write its marker.
    expect(await createHub(unitHubDeps({ source: repo, store, clock })).compile({ repo: repo.url })).toMatchObject({ revision: v3, pointersUpdated: 3 });
    release();
    const err = await jobB;
    expect(err).toMatchObject({ code: 'PublishConflict', errorClass: 'stalled', data: { key: LAST_PUBLISH_KEY } });
    expect((err as Error).message).toContain(`revision ${v2} publish failed: another hub published`);
    for (const c of ['eu-prod-001', 'eu-stg-001', 'us-prod-001']) expect(await pointerOf(store, c), c).toMatchObject({ revision: v3 });
  });
});
