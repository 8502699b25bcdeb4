import { randomUUID } from 'node:crypto';
import { canonicalJson, FLAGS_CONFIGMAP_KEY, storeLayout, type Bundle, type Digest, type ObjectStore } from '@driftless/core';
import { uniqueName } from '@driftless/contracts';
import { MemoryRepository, VirtualClock } from '@driftless/fakes';
import { fixtureFleet, s3StoreFor } from '@driftless/testkit';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { deliveryOverride as delivery } from '../testing/compile-with-delivery.js';
import { createHub } from '../hub.js';
import { quietLog } from '../hub-log.js';
import { planOf, putFreeze, putStatus } from '../testing/rollout-fixture.js';
import { bundleOf, pointerOf } from '../testing/store-reads.js';
import { auditRecorder, testRolloutMachine } from '../testing/test-rollout-machine.js';
import { unitHubDeps, withoutKustomize } from '../testing/unit-hub.js';
import { createRolloutController } from '../rollout/rollout-controller.js';
import { readCurrentRolloutDocument } from '../rollout/rollout-store.js';
import { readFreeze } from '../control/freeze.js';
import { clearFlagOverride, setFlagOverride } from './flag-override.js';
import { readFlagOverrides } from './flag-overrides-store.js';

// spec.delivery is parsed from fleet.yaml elsewhere: here it is set by hand.
vi.mock('../compile.js', async (orig) => (await import('../testing/compile-with-delivery.js')).compileWithDelivery(orig));

const env = inject('driftlessEnv');
const destroys: (() => void)[] = [];
afterAll(() => destroys.forEach((d) => d()));

const CLUSTERS = ['eu-prod-001', 'eu-stg-001', 'us-prod-001'];
const checkout = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'on',
  targeting: { if: [{ '==': [{ var: 'tier' }, 'free'] }, 'off', null] },
  metadata: { owner: 'team-pay', type: 'kill-switch', commit: 'c0ffee', gitVariant: 'on' },
};

/** The fixture fleet with a hand-built driftless-flags ConfigMap in the config app (every cluster gets it). */
function files(settings: string): Record<string, string> {
  const flagd = canonicalJson({ flags: { checkout } });
  return {
    ...withoutKustomize(fixtureFleet()),
    'apps/config/driftless-flags.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: driftless-flags }\ndata:\n  ${FLAGS_CONFIGMAP_KEY}: '${flagd}'\n`,
    'apps/config/extra.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\ndata: { v: "${settings}" }\n`,
  };
}

function flagOf(bundle: Bundle): Record<string, unknown> {
  const cm = bundle.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'driftless-flags') as { data: Record<string, string> } | undefined;
  return (JSON.parse(cm?.data[FLAGS_CONFIGMAP_KEY] ?? '{}') as { flags: Record<string, Record<string, unknown>> }).flags['checkout'] ?? {};
}

async function blob(store: ObjectStore, digest: string): Promise<Bundle> {
  const { decodeBundle } = await import('@driftless/core');
  const got = await store.get(storeLayout.blob(digest as Digest));
  if (got.kind !== 'found') throw new Error(`no blob ${digest}`);
  return decodeBundle(got.body, digest as Digest);
}

/** Release 1 fully out, release 2 at ring 0 and halted, the fleet frozen. */
async function frozenAndHalted() {
  delivery.current = { plan: planOf('ring-0', 'ring-1'), ringOf: new Map([['eu-stg-001', 0], ['eu-prod-001', 1], ['us-prod-001', 1]]), statefulKeys: new Map() };
  const store = s3StoreFor(env, uniqueName('flagk'));
  destroys.push(() => store.destroy());
  const clock = new VirtualClock(Date.parse('2030-01-01T00:00:00.000Z'));
  const repo = new MemoryRepository();
  const audit = auditRecorder();
  const hub = createHub(unitHubDeps({ source: repo, store, clock, machine: testRolloutMachine, audit }));
  const controller = createRolloutController({ store, clock, machine: testRolloutMachine, audit, newId: randomUUID });
  const applyAll = async (clusters: readonly string[]) => {
    for (const c of clusters) {
      const p = await pointerOf(store, c);
      await putStatus(store, c, 'Applied', p.bundle as Digest, p.generation);
    }
  };
  repo.commit(files('1'), 'first');
  await hub.compile({ repo: repo.url });
  await applyAll(['eu-stg-001']);
  await controller.step();
  await applyAll(CLUSTERS);
  repo.commit(files('2'), 'second');
  await hub.compile({ repo: repo.url });
  await controller.command({ kind: 'halt', actor: 'carol', reason: 'looks odd' });
  await putFreeze(store, 'dave', 'incident');
  const deps = { store, clock, newId: randomUUID, log: quietLog, audit };
  return { store, audit, controller, deps, repo, hub };
}

describe('flag set / clear against MinIO', () => {
  it('a kill switch reaches every cluster while the fleet is frozen and the rollout halted; clear restores Git', async () => {
    const { store, audit, controller, deps } = await frozenAndHalted();
    const before = Object.fromEntries(await Promise.all(CLUSTERS.map(async (c) => [c, await pointerOf(store, c)] as const)));
    const rolloutBefore = (await readCurrentRolloutDocument(store))?.doc;
    expect(rolloutBefore?.phase).toBe('Halted');

    const set = await setFlagOverride(deps, { flag: 'checkout', variant: 'off', actor: 'alice', reason: 'payments failing' });
    expect(set.clusters).toEqual(CLUSTERS);
    expect(set.pointers.map((p) => p.cluster)).toEqual(CLUSTERS);
    for (const c of CLUSTERS) {
      const p = await pointerOf(store, c);
      expect(p.generation).toBe((before[c]?.generation ?? 0) + 1);
      expect(p.revision).toBe(before[c]?.revision);
      const flag = flagOf(await bundleOf(store, c));
      expect(flag).toMatchObject({ defaultVariant: 'off', targeting: { if: [true, 'off', checkout.targeting] }, metadata: { gitVariant: 'on', override: 'alice: payments failing' } });
    }
    expect(audit.drafts.filter((d) => d.action === 'flag.override.set')).toEqual([
      { actor: 'alice', action: 'flag.override.set', subject: 'flag/checkout', reason: 'payments failing', data: { flag: 'checkout', variant: 'off', selector: null, count: CLUSTERS.length, clusters: CLUSTERS } },
    ]);
    expect((await readFlagOverrides(store))?.doc.overrides['checkout']).toMatchObject({ variant: 'off', actor: 'alice' });
    expect(await readFreeze(store)).toBeDefined();

    // The halted rollout's bundles carry the override too: resuming it later never takes it away.
    const rollout = (await readCurrentRolloutDocument(store))?.doc;
    expect(rollout?.phase).toBe('Halted');
    for (const c of CLUSTERS) {
      const entry = rollout?.clusters[c];
      expect(flagOf(await blob(store, entry?.to ?? ''))['defaultVariant']).toBe('off');
      if (entry?.from) expect(flagOf(await blob(store, entry.from))['defaultVariant']).toBe('off');
      expect(entry?.to).not.toBe(rolloutBefore?.clusters[c]?.to);
    }
    expect(rollout?.version).toBe((rolloutBefore?.version ?? 0) + 1);

    const cleared = await clearFlagOverride(deps, { flag: 'checkout', actor: 'bob', reason: 'fixed' });
    expect(cleared.pointers.map((p) => p.cluster)).toEqual(CLUSTERS);
    for (const c of CLUSTERS) {
      const p = await pointerOf(store, c);
      expect(p.bundle).toBe(before[c]?.bundle);
      expect(p.generation).toBe((before[c]?.generation ?? 0) + 2);
      expect(flagOf(await bundleOf(store, c))).toEqual(checkout);
    }
    const restored = (await readCurrentRolloutDocument(store))?.doc;
    for (const c of CLUSTERS) expect(restored?.clusters[c]?.to).toBe(rolloutBefore?.clusters[c]?.to);
    expect(audit.drafts.filter((d) => d.action === 'flag.override.cleared')).toHaveLength(1);
    expect((await readFlagOverrides(store))?.doc.overrides).toEqual({});
    expect((await controller.status())?.rollout.phase).toBe('Halted');
  });

  it('a compile while an override is active publishes bundles that carry it', async () => {
    const { store, deps, repo, hub } = await frozenAndHalted();
    await setFlagOverride(deps, { flag: 'checkout', variant: 'off', actor: 'alice', reason: 'payments failing' });
    await store.delete(storeLayout.freeze);
    repo.commit(files('3'), 'third');
    expect((await hub.compile({ repo: repo.url })).rollout).toMatchObject({ moved: 1 });
    const rollout = (await readCurrentRolloutDocument(store))?.doc;
    for (const c of CLUSTERS) expect(flagOf(await blob(store, rollout?.clusters[c]?.to ?? ''))['defaultVariant']).toBe('off');
    expect(flagOf(await bundleOf(store, 'eu-stg-001'))).toMatchObject({ defaultVariant: 'off', metadata: { override: 'alice: payments failing' } });
    // Compiling the same commit again (trusted hub state, clusters skipped as unchanged) keeps it.
    await hub.compile({ repo: repo.url });
    expect(flagOf(await bundleOf(store, 'eu-stg-001'))['defaultVariant']).toBe('off');
  });

  it('refuses an unknown flag or variant and writes nothing', async () => {
    const { store, deps } = await frozenAndHalted();
    await expect(setFlagOverride(deps, { flag: 'nope', variant: 'off', actor: 'a', reason: 'r' })).rejects.toMatchObject({ code: 'FlagOverrideRefused', message: expect.stringContaining('unknown flag') });
    await expect(setFlagOverride(deps, { flag: 'checkout', variant: 'maybe', actor: 'a', reason: 'r' })).rejects.toMatchObject({ code: 'FlagOverrideRefused', message: expect.stringContaining('unknown variant maybe (it has off, on)') });
    await expect(clearFlagOverride(deps, { flag: 'checkout', actor: 'a', reason: 'r' })).rejects.toMatchObject({ code: 'FlagOverrideRefused' });
    expect(await readFlagOverrides(store)).toBeUndefined();
  });
});
