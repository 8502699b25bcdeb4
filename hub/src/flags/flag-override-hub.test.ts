import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeBundle, FLAGS_CONFIGMAP_KEY, storeLayout, type Digest } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { quietLog } from '../hub-log.js';
import { createSetPreviewsPointer } from '../previews/previews-pointer.js';
import { resignPointers } from '../resign.js';
import { clusterYaml, flagFleetYaml, killSwitchYaml, WEB_MANIFEST } from '../testing/flag-fleet.js';
import { auditRecorder } from '../testing/test-rollout-machine.js';
import { unitHubDeps } from '../testing/unit-hub.js';
import { pointerOf } from '../testing/store-reads.js';
import { clearFlagOverride, setFlagOverride, type FlagOverrideDeps } from './flag-override.js';

const FILES = {
  'fleet.yaml': flagFleetYaml(),
  'apps/web/web.yaml': WEB_MANIFEST,
  'clusters/eu-1.yaml': clusterYaml('eu-1', { region: 'eu' }),
  'clusters/us-1.yaml': clusterYaml('us-1', { region: 'us' }),
  'flags/checkout.yaml': killSwitchYaml('team-checkout'),
};
const NOW = Date.parse('2030-01-01T00:00:00Z');
const DAY = 86_400_000;
const newKey = () => generateKeyPairSync('ed25519').privateKey;

/** A fleet published with `key` (signed pointers) into a memory store. */
async function signedFleet() {
  const key = newKey();
  const { repo, store, clock, audit, hub } = await fleetWith(key);
  const deps = (signingKey: KeyObject | undefined = key): FlagOverrideDeps => ({ store, clock, audit, newId: () => 'id', log: quietLog, ...(signingKey ? { signingKey } : {}) });
  return { key, repo, store, clock, audit, hub, deps };
}

async function fleetWith(signingKey?: ReturnType<typeof newKey>) {
  const repo = new MemoryRepository();
  repo.commit(FILES, 'first');
  const store = new MemoryObjectStore();
  const clock = new VirtualClock(NOW);
  const audit = auditRecorder();
  const hub = createHub(unitHubDeps({ source: repo, store, clock, audit, ...(signingKey ? { signingKey } : {}) }));
  await hub.compile({ repo: repo.url });
  audit.drafts.length = 0;
  return { repo, store, clock, audit, hub };
}
const unsignedDeps = ({ signingKey: _, ...rest }: FlagOverrideDeps): FlagOverrideDeps => rest;
const req = { flag: 'checkout', variant: 'off', actor: 'oncall', reason: 'incident 7' };

describe('flag set / clear on a signed fleet (SigningKeyRequired before anything is written)', () => {
  it('refuses flag set without --sign-key: no overrides.json, no audit entry', async () => {
    const f = await signedFleet();
    const unsigned = unsignedDeps(f.deps());
    await expect(setFlagOverride(unsigned, req)).rejects.toMatchObject({ code: 'SigningKeyRequired', message: expect.stringContaining('--sign-key') });
    expect((await f.store.get(storeLayout.flagOverrides)).kind).toBe('not-found');
    expect(f.audit.drafts).toEqual([]);
  });

  it('refuses flag set with a key other than the one that signed the pointers', async () => {
    const f = await signedFleet();
    await expect(setFlagOverride(f.deps(newKey()), req)).rejects.toMatchObject({ code: 'SigningKeyRequired' });
    expect((await f.store.get(storeLayout.flagOverrides)).kind).toBe('not-found');
    expect(f.audit.drafts).toEqual([]);
  });

  it('refuses flag clear without --sign-key and keeps the override', async () => {
    const f = await signedFleet();
    await setFlagOverride(f.deps(), req);
    f.audit.drafts.length = 0;
    const before = await f.store.get(storeLayout.flagOverrides);
    const unsigned = unsignedDeps(f.deps());
    await expect(clearFlagOverride(unsigned, { flag: 'checkout', actor: 'oncall', reason: 'over' })).rejects.toMatchObject({ code: 'SigningKeyRequired' });
    expect(await f.store.get(storeLayout.flagOverrides)).toEqual(before);
    expect(f.audit.drafts).toEqual([]);
  });
});

describe('hub resign after flag set', () => {
  it('renews the pointers flag set moved to overridden bundles (a kill switch outlives the pointer TTL)', async () => {
    const f = await signedFleet();
    const moved = await setFlagOverride(f.deps(), req);
    expect(moved.pointers.map((p) => p.cluster)).toEqual(['eu-1', 'us-1']);
    const ttlMs = 7 * DAY;
    const withinMs = DAY;
    const later = new VirtualClock(NOW + ttlMs - withinMs + 1);
    const report = await resignPointers({ store: f.store, signingKey: f.key, clock: later, ttlMs, withinMs });
    expect(report.failed).toEqual([]);
    expect(report.resigned.map((r) => r.cluster)).toEqual(['eu-1', 'us-1']);
  });

  it("keeps a host's previews bundle through flag set and resign", async () => {
    const f = await signedFleet();
    const previews: Digest = `sha256:${'a'.repeat(64)}`;
    expect(await createSetPreviewsPointer({ store: f.store, clock: f.clock, signingKey: f.key })('eu-1', previews)).toBe('moved');
    const before = await pointerOf(f.store, 'eu-1');
    await setFlagOverride(f.deps(), req);
    const overridden = await pointerOf(f.store, 'eu-1');
    expect(overridden.bundle, 'flag set moved it').not.toBe(before.bundle);
    expect(overridden).toMatchObject({ previews, generation: before.generation + 1 });
    const later = new VirtualClock(NOW + 7 * DAY - DAY + 1);
    const report = await resignPointers({ store: f.store, signingKey: f.key, clock: later, ttlMs: 7 * DAY, withinMs: DAY });
    expect(report.resigned.map((r) => r.cluster)).toContain('eu-1');
    expect(await pointerOf(f.store, 'eu-1')).toMatchObject({ previews, bundle: overridden.bundle });
    expect((await pointerOf(f.store, 'us-1')).previews).toBeUndefined();
  });
});

describe('override selectors match the labels of the commit being compiled', () => {
  it('a cluster added after flag set --selector region=eu gets no override when it is in us', async () => {
    const f = await fleetWith();
    await setFlagOverride({ store: f.store, clock: f.clock, audit: f.audit, newId: () => 'id', log: quietLog }, { ...req, selector: 'region=eu' });
    f.repo.commit({ 'clusters/us-9.yaml': clusterYaml('us-9', { region: 'us' }), 'clusters/eu-9.yaml': clusterYaml('eu-9', { region: 'eu' }) }, 'two more');
    await f.hub.compile({ repo: f.repo.url });
    const variantOf = async (c: string): Promise<unknown> => {
      const p = await pointerOf(f.store, c);
      const got = await f.store.get(storeLayout.blob(p.bundle as Digest));
      if (got.kind !== 'found') throw new Error(`no bundle for ${c}`);
      const cm = decodeBundle(got.body, p.bundle as Digest).objects.find((o) => o.metadata.name === 'driftless-flags') as unknown as { data: Record<string, string> };
      return (JSON.parse(cm.data[FLAGS_CONFIGMAP_KEY] ?? '{}') as { flags: Record<string, { metadata?: { override?: unknown } }> }).flags['checkout']?.metadata?.override;
    };
    expect(await variantOf('us-9')).toBeUndefined();
    expect(await variantOf('eu-9')).toBeDefined();
  });

});
