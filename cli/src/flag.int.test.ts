import { describe, expect, it } from 'vitest';
import { cli, deliveryWorlds } from './testing/delivery-world.js';

// Issue 14 item 4, the kill switch: `driftless flag set` reaches the clusters while
// the fleet is frozen and a rollout is halted (MinIO, the git server, signed
// pointers, a real agent applying into kube-apiserver); `flag clear` restores Git.
const world = deliveryWorlds();
const delivery = { mode: 'continuous-deployment', rings: [{ name: 'ring-0', selector: { matchLabels: { ring: '0' } } }, { name: 'ring-1', selector: {} }] };
const clusters = { 'c-0': { ring: '0' }, 'c-1a': { ring: '1' }, 'c-1b': { ring: '1' } };
const all = Object.keys(clusters);
const checkout = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'on',
  metadata: { owner: 'team-pay', type: 'kill-switch', commit: 'c0ffee', gitVariant: 'on' },
};
const flagd = { flags: { checkout } };

describe('driftless flag set / clear', () => {
  it('moves every cluster to the overridden bundle while frozen and halted (a real agent applies it), audited; clear gives Git back', async () => {
    const w = await world({ clusters, delivery, flagd });
    await w.compile();
    await w.simulate('c-0');
    await w.controller().step();
    await w.simulate('c-1b');
    const real = w.realAgent('c-1a');
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    await w.commit({ clusters, delivery, flagd, versions: { web: '2' } }, 'web 2');
    await w.compile();
    const store = ['--store', w.cliFlags.store];
    expect(await cli(['rollout', 'halt', ...store, '--reason', 'odd', '--as', 'ops'])).toMatchObject({ code: 0 });
    expect(await cli(['freeze', ...store, '--reason', 'incident 9', '--as', 'ops'])).toMatchObject({ code: 0 });
    const before = await w.generations(all);

    const set = await cli(['flag', 'set', 'checkout', 'off', ...store, '--reason', 'payments failing', '--as', 'alice', '--sign-key', w.cliFlags.signKey, '--pointer-ttl', '5000d', '--json']);
    expect(set).toMatchObject({ code: 0 });
    expect(JSON.parse(set.out)).toMatchObject({ flag: 'checkout', action: 'set', variant: 'off', clusters: all });
    expect(await w.generations(all)).toEqual(Object.fromEntries(all.map((c) => [c, (before[c] ?? 0) + 1])));
    // The CLI signs with the system clock, the world's agents run on a virtual one in 2030: hence the long TTL.
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    const live = async () => {
      const cm = await real.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: `${w.ns}-web`, name: 'driftless-flags' });
      return (JSON.parse((cm?.['data'] as Record<string, string>)['flags.flagd.json'] ?? '{}') as { flags: Record<string, Record<string, unknown>> }).flags['checkout'];
    };
    expect(await live()).toMatchObject({ defaultVariant: 'off', targeting: { if: [true, 'off', null] }, metadata: { override: 'alice: payments failing' } });
    const entries = await w.audit.read();
    expect(entries.find((e) => e.action === 'flag.override.set')).toMatchObject({ actor: 'alice', reason: 'payments failing', data: { flag: 'checkout', variant: 'off', clusters: all } });
    expect((await w.controller().status())?.rollout.phase).toBe('Halted');

    const cleared = await cli(['flag', 'clear', 'checkout', ...store, '--reason', 'fixed', '--as', 'bob', '--sign-key', w.cliFlags.signKey, '--pointer-ttl', '5000d']);
    expect(cleared).toMatchObject({ code: 0, out: expect.stringContaining('flag checkout override (off) cleared for 3 cluster(s); 3 pointer(s) moved') });
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied' });
    expect(await live()).toEqual(checkout);
    expect((await w.audit.read()).find((e) => e.action === 'flag.override.cleared')).toMatchObject({ actor: 'bob', data: { flag: 'checkout', variant: 'off' } });
  });

  it('exits 2 naming the problem: unknown flag, unknown variant, empty reason, bad selector', async () => {
    const w = await world({ clusters, delivery, flagd });
    await w.compile();
    const store = ['--store', w.cliFlags.store, '--sign-key', w.cliFlags.signKey];
    expect(await cli(['flag', 'set', 'nope', 'off', ...store, '--reason', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('flag nope override failed: unknown flag') });
    expect(await cli(['flag', 'set', 'checkout', 'maybe', ...store, '--reason', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown variant maybe (it has off, on)') });
    expect(await cli(['flag', 'set', 'checkout', 'off', ...store, '--reason', ' '])).toMatchObject({ code: 2, err: expect.stringContaining('--reason') });
    expect(await cli(['flag', 'set', 'checkout', 'off', ...store])).toMatchObject({ code: 2, err: expect.stringContaining('--reason') });
    expect(await cli(['flag', 'set', 'checkout', 'off', ...store, '--reason', 'x', '--selector', 'ring in (0'])).toMatchObject({ code: 2, err: expect.stringContaining("--selector 'ring in (0' parse failed") });
    expect(await cli(['flag', 'clear', 'checkout', ...store, '--reason', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('it has no override') });
    expect(await w.generations(all)).toEqual({ 'c-0': 1, 'c-1a': 0, 'c-1b': 0 });
  });
});
