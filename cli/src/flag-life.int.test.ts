import { FLAGS_CONFIGMAP_KEY, FLAGS_CONFIGMAP_NAME, storeLayout } from '@driftless/core';
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
  it('exits 2 naming the file and publishes nothing; --allow-expired-flags publishes with a warning', async () => {
    // The CLI runs on the system clock: 2020 is past for it.
    const expired = NEW_CHECKOUT.replace('2099-12-31', '2020-01-31');
    const w = await world({ clusters, delivery, flags: { 'new-checkout': expired } });
    const refused = await cli(['hub', 'compile', ...w.cliFlags.compile]);
    expect(refused).toMatchObject({ code: 2, err: expect.stringContaining('flags/new-checkout.yaml: flag new-checkout (release, owner team-checkout) expired on 2020-01-31') });
    expect(await w.generations(all)).toEqual({ 'c-0': 0, 'c-1a': 0, 'c-1b': 0 });
    expect((await w.store.list(storeLayout.blobsPrefix)).keys).toEqual([]);

    const allowed = await cli(['hub', 'compile', ...w.cliFlags.compile, '--allow-expired-flags']);
    expect(allowed).toMatchObject({ code: 0, err: expect.stringContaining('warning: flags/new-checkout.yaml: flag new-checkout (release, owner team-checkout) expired on 2020-01-31 (compiled with --allow-expired-flags)') });
    expect(await w.generations(all)).toEqual({ 'c-0': 1, 'c-1a': 0, 'c-1b': 0 });
  });
});
