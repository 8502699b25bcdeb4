import { canonicalBytes, FLAGS_CONFIGMAP_KEY, storeLayout, type FlagOverride } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { bundleOf } from '../testing/store-reads.js';
import { unitHubDeps } from '../testing/unit-hub.js';
import { noFlagOverrides } from './flag-overrides-store.js';

const cluster = (name: string, region: string): string => `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { region: ${region} } }\n`;
const FILES = {
  'fleet.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n    - { name: web, path: apps/web, namespace: shop, targets: [{ selector: {} }] }\n',
  'apps/web/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { a: b }\n',
  'clusters/eu-1.yaml': cluster('eu-1', 'eu'),
  'clusters/us-1.yaml': cluster('us-1', 'us'),
  'flags/checkout.yaml': 'type: kill-switch\nowner: shop\nvariants: { "on": true, "off": false }\ndefaultVariant: "on"\nnamespaces: [shop]\n',
};

/** A hub over a memory repository and store whose state stays trusted between compiles, and what it logged. */
async function fleet() {
  const repo = new MemoryRepository();
  repo.commit(FILES, 'first');
  const store = new MemoryObjectStore();
  const logged: Record<string, unknown>[] = [];
  const hub = createHub(unitHubDeps({ source: repo, store, clock: new VirtualClock(Date.parse('2030-01-01T00:00:00Z')), log: (e) => logged.push(e) }));
  await hub.compile({ repo: repo.url });
  return { repo, store, hub, logged };
}

/** overrides.json as `flag set` leaves it (written here directly, so the hub's state stays trusted). */
async function writeOverrides(store: MemoryObjectStore, overrides: Record<string, FlagOverride>): Promise<void> {
  await store.put(storeLayout.flagOverrides, canonicalBytes({ ...noFlagOverrides(), overrides }), { contentType: 'application/json' });
}

/** The variant a cluster's published flags ConfigMap gives checkout. */
async function variantOf(store: MemoryObjectStore, name: string): Promise<string | undefined> {
  const cm = (await bundleOf(store, name)).objects.find((o) => o.metadata.name === 'driftless-flags') as unknown as { data: Record<string, string> };
  return (JSON.parse(cm.data[FLAGS_CONFIGMAP_KEY] ?? '{}') as { flags: Record<string, { defaultVariant: string }> }).flags['checkout']?.defaultVariant;
}

const off = (selector?: string): FlagOverride => ({ variant: 'off', actor: 'oncall', at: '2030-01-01T00:00:00.000Z', reason: 'incident', ...(selector ? { selector } : {}) });

describe('a compile of unchanged clusters under overrides that changed since the memo', () => {
  it('rewrites the clusters whose overrides changed, and restores Git\'s variant once none is active', async () => {
    const f = await fleet();
    await writeOverrides(f.store, { checkout: off() });
    await f.hub.compile({ repo: f.repo.url });
    expect([await variantOf(f.store, 'eu-1'), await variantOf(f.store, 'us-1')]).toEqual(['off', 'off']);

    await writeOverrides(f.store, { checkout: off('region=eu') });
    expect((await f.hub.compile({ repo: f.repo.url })).pointersUpdated).toBe(1);
    expect([await variantOf(f.store, 'eu-1'), await variantOf(f.store, 'us-1')]).toEqual(['off', 'on']);

    await f.store.delete(storeLayout.flagOverrides);
    expect((await f.hub.compile({ repo: f.repo.url })).pointersUpdated).toBe(1);
    expect([await variantOf(f.store, 'eu-1'), await variantOf(f.store, 'us-1')]).toEqual(['on', 'on']);
    // Every compile above trusted the state: the clusters were unchanged, only their overrides were not.
    expect(f.logged.filter((e) => String(e['msg']).includes('not trusted'))).toEqual([]);
  });
});
