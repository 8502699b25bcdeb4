import { decodeBundle, FLAGS_CONFIGMAP_KEY, FLAGS_CONFIGMAP_NAME, storeLayout, type Digest } from '@driftless/core';
import { commitFiles } from '@driftless/testkit';
import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { cli, deliveryWorlds, type DeliveryWorld } from './testing/delivery-world.js';

// Issue 14 item 5 and its "Done when": real flags/<key>.yaml files compiled by the
// real hub (git server, MinIO), a real agent applying the driftless-flags
// ConfigMap into the kube-apiserver, and the OpenFeature flagd evaluator reading
// it back; `hub compile` refusing an expired flag; a flag's life end to end.
const world = deliveryWorlds();
const delivery = { mode: 'continuous-deployment', rings: [{ name: 'ring-0', selector: { matchLabels: { ring: '0' } } }, { name: 'ring-1', selector: {} }] };
const clusters = { 'c-0': { ring: '0' }, 'c-1a': { ring: '1' }, 'c-1b': { ring: '1' } };
const all = Object.keys(clusters);
/** On in ring 0 by its rollout entry; off (the default) everywhere else. */
const NEW_CHECKOUT = 'type: release\nowner: team-checkout\nexpires: "2099-12-31"\nvariants: { "on": true, "off": false }\ndefaultVariant: "off"\nrollout:\n  - selector: { ring: ring-0 }\n    variant: "on"\n';
/** A permanent string flag whose targeting the app evaluates: gold plans get blue. */
const BANNER = 'type: permission\nowner: web\nvariants: { red: red, blue: blue }\ndefaultVariant: red\ntargeting: { if: [{ "==": [{ var: plan }, gold] }, blue, null] }\n';

/** The flagd document the kube-apiserver holds in app web's namespace, as an app there reads it. */
async function liveFlagd(w: DeliveryWorld, kube: ReturnType<DeliveryWorld['realAgent']>['kube']): Promise<FlagdCore> {
  const cm = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: `${w.ns}-web`, name: FLAGS_CONFIGMAP_NAME });
  const doc = (cm?.['data'] as Record<string, string> | undefined)?.[FLAGS_CONFIGMAP_KEY];
  if (doc === undefined) throw new Error(`no ${FLAGS_CONFIGMAP_NAME} ConfigMap in ${w.ns}-web`);
  const core = new FlagdCore();
  core.setConfigurations(doc);
  return core;
}

/** The variant of `flag` an app on `cluster` evaluates (no context) in the bundle its pointer names now. */
async function published(w: DeliveryWorld, cluster: string, flag: string): Promise<string | undefined> {
  const bundle = (await w.pointer(cluster)).bundle as Digest;
  const got = await w.store.get(storeLayout.blob(bundle));
  if (got.kind !== 'found') throw new Error(`no blob ${bundle}`);
  const cm = decodeBundle(got.body, bundle).objects.find((o) => o.metadata.name === FLAGS_CONFIGMAP_NAME) as { data: Record<string, string> } | undefined;
  if (!cm) return undefined;
  const core = new FlagdCore();
  core.setConfigurations(cm.data[FLAGS_CONFIGMAP_KEY] ?? '');
  return core.resolveBooleanEvaluation(flag, false, {}).variant;
}

/** Opens ring 1 once ring 0's agent has reported, and completes the rollout once ring 1's have. */
async function rollOut(w: DeliveryWorld): Promise<void> {
  await w.simulate('c-0');
  await w.controller().step();
  await w.simulate('c-1a', 'c-1b');
  expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
}

describe('flags/<key>.yaml delivered to a real cluster and read by the flagd evaluator', () => {
  it.each([
    ['c-0', 'ring 0: its rollout entry', 'on', true],
    ['c-1a', 'ring 1: the default variant', 'off', false],
  ])('%s (%s) evaluates what the fleet declares for it', async (cluster, _why, variant, value) => {
    const w = await world({ clusters, delivery, flags: { 'new-checkout': NEW_CHECKOUT, banner: BANNER } });
    await w.compile();
    const real = w.realAgent(cluster);
    if (cluster !== 'c-0') {
      await w.simulate('c-0');
      await w.controller().step();
    }
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    const flagd = await liveFlagd(w, real.kube);
    expect(flagd.resolveBooleanEvaluation('new-checkout', !value, {})).toMatchObject({ value, variant, reason: 'STATIC' });
    expect(flagd.resolveStringEvaluation('banner', 'none', {})).toMatchObject({ value: 'red', variant: 'red' });
    expect(flagd.resolveStringEvaluation('banner', 'none', { plan: 'gold' })).toMatchObject({ value: 'blue', variant: 'blue', reason: 'TARGETING_MATCH' });
  });
});

describe('driftless hub compile with an expired flag', () => {
  it('exits 2 naming the file and its expires: line and publishes nothing; --allow-expired-flags publishes with a warning', async () => {
    // The CLI runs on the system clock: 2020 is past for it.
    const expired = NEW_CHECKOUT.replace('2099-12-31', '2020-01-31');
    const w = await world({ clusters, delivery, flags: { 'new-checkout': expired } });
    const refused = await cli(['hub', 'compile', ...w.cliFlags.compile]);
    expect(refused).toMatchObject({ code: 2, err: expect.stringContaining('flags/new-checkout.yaml:3: flag new-checkout (release, owner team-checkout) expired on 2020-01-31') });
    expect(await w.generations(all)).toEqual({ 'c-0': 0, 'c-1a': 0, 'c-1b': 0 });
    expect((await w.store.list(storeLayout.blobsPrefix)).keys).toEqual([]);

    const allowed = await cli(['hub', 'compile', ...w.cliFlags.compile, '--allow-expired-flags']);
    expect(allowed).toMatchObject({ code: 0, err: expect.stringContaining('warning: flags/new-checkout.yaml: flag new-checkout (release, owner team-checkout) expired on 2020-01-31 (compiled with --allow-expired-flags)') });
    expect(await w.generations(all)).toEqual({ 'c-0': 1, 'c-1a': 0, 'c-1b': 0 });
  });
});

describe("a flag's life, end to end", () => {
  it('create, roll out per ring, kill switch while frozen, reported until cleared, remove', async () => {
    const w = await world({ clusters, delivery });
    await w.compile();
    await rollOut(w);
    const store = ['--store', w.cliFlags.store];
    const real = w.realAgent('c-0');
    const live = async () => (await liveFlagd(w, real.kube)).resolveBooleanEvaluation('new-checkout', false, {}).variant;
    const everywhere = async () => Object.fromEntries(await Promise.all(all.map(async (c) => [c, await published(w, c, 'new-checkout')] as const)));

    // Create: a commit adds flags/new-checkout.yaml; it travels with the release through the rings.
    await w.commit({ clusters, delivery, flags: { 'new-checkout': NEW_CHECKOUT } }, 'add flag new-checkout');
    await w.compile();
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    expect(await live()).toBe('on');
    await rollOut(w);
    expect(await everywhere()).toEqual({ 'c-0': 'on', 'c-1a': 'off', 'c-1b': 'off' });
    const listed = await cli(['flags', ...store]);
    expect(listed.out).toMatch(/new-checkout\s+release\s+team-checkout\s+\S+\s+2099-12-31\s+ring-0=on ring-1=off\s+-\s+ok/);

    // Kill switch during an incident, with the fleet frozen.
    expect(await cli(['freeze', ...store, '--reason', 'incident 7', '--as', 'ops'])).toMatchObject({ code: 0 });
    const set = await cli(['flag', 'set', 'new-checkout', 'off', ...store, '--reason', 'checkout errors', '--as', 'alice', '--sign-key', w.cliFlags.signKey, '--pointer-ttl', '5000d']);
    expect(set).toMatchObject({ code: 0 });
    expect(await everywhere()).toEqual({ 'c-0': 'off', 'c-1a': 'off', 'c-1b': 'off' });
    // The CLI signs with the system clock, the world's agents run on a virtual one in 2030: hence the long TTL.
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    expect(await live()).toBe('off');
    expect((await cli(['flags', ...store])).out).toContain('off by alice (every cluster), diverges from Git');

    const cleared = await cli(['flag', 'clear', 'new-checkout', ...store, '--reason', 'fixed', '--as', 'alice', '--sign-key', w.cliFlags.signKey, '--pointer-ttl', '5000d']);
    expect(cleared).toMatchObject({ code: 0 });
    expect(await everywhere()).toEqual({ 'c-0': 'on', 'c-1a': 'off', 'c-1b': 'off' });
    const after = JSON.parse((await cli(['flags', '--json', ...store])).out) as { flags: { key: string; override?: unknown }[] };
    expect(after.flags.map((f) => [f.key, f.override])).toEqual([['new-checkout', undefined]]);

    // Remove: the flag's file goes; its ConfigMap is pruned from the cluster with the release.
    expect(await cli(['unfreeze', ...store, '--reason', 'incident 7 over', '--as', 'ops'])).toMatchObject({ code: 0 });
    await commitFiles(w.bare, { 'flags/new-checkout.yaml': null }, 'remove flag new-checkout');
    await w.compile();
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    await expect(liveFlagd(w, real.kube)).rejects.toThrow(`no ${FLAGS_CONFIGMAP_NAME} ConfigMap`);
    expect((await cli(['flags', ...store])).out).toContain('has no flags');
  });
});
