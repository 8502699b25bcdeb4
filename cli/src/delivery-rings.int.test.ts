import { describe, expect, it } from 'vitest';
import type { Digest } from '@driftless/core';
import { cli, deliveryWorlds } from './testing/delivery-world.js';

// Issue 12 item 10, end to end against MinIO, the kube-apiserver and the git
// server: the hub compiles real commits with spec.delivery, rollout controllers
// step explicitly once agents have reported (no sleeps), on a virtual clock.
const world = deliveryWorlds();
const ring = (name: string, n: string, more: Record<string, unknown> = {}) => ({ name, selector: { matchLabels: { ring: n } }, ...more });

describe('a rollout through three rings, end to end', () => {
  it('moves ring 0 at compile, applies it with a real agent, opens ring 1, waits for approval, completes; the audit log verifies', async () => {
    const delivery = { mode: 'continuous-deployment', rings: [ring('ring-0', '0'), ring('ring-1', '1'), { name: 'ring-2', selector: {}, approval: 'required' }] };
    const w = await world({ clusters: { 'c-0': { ring: '0' }, 'c-1': { ring: '1' }, 'c-2a': { ring: '2' }, 'c-2b': { ring: '2' } }, delivery });
    const all = ['c-0', 'c-1', 'c-2a', 'c-2b'];

    const compiled = await w.compile();
    expect(compiled.rollout).toMatchObject({ moved: 1, phase: 'Progressing' });
    expect(await w.generations(all)).toEqual({ 'c-0': 1, 'c-1': 0, 'c-2a': 0, 'c-2b': 0 });

    // ring 1 waits for ring 0's agent, however often the controller steps.
    expect(await w.controller().step()).toMatchObject({ moved: 0, changed: false });
    const real = w.realAgent('c-0');
    expect(await real.agent.runOnce()).toMatchObject({ phase: 'Applied', generation: 1 });
    expect(await w.controller().step()).toMatchObject({ moved: 1, phase: 'Progressing' });
    expect(await w.generations(all)).toEqual({ 'c-0': 1, 'c-1': 1, 'c-2a': 0, 'c-2b': 0 });

    await w.simulate('c-1');
    expect(await w.controller().step()).toMatchObject({ moved: 0, phase: 'AwaitingApproval' });
    expect(await w.controller().step()).toMatchObject({ moved: 0, changed: false });
    expect(await w.generations(['c-2a', 'c-2b'])).toEqual({ 'c-2a': 0, 'c-2b': 0 });

    expect(await w.controller().command({ kind: 'approve', ring: 'ring-2', actor: 'alice', reason: 'ring 1 looks good' })).toMatchObject({ moved: 2 });
    await w.simulate('c-2a', 'c-2b');
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
    expect(await w.generations(all)).toEqual({ 'c-0': 1, 'c-1': 1, 'c-2a': 1, 'c-2b': 1 });

    const settings = await real.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: `${w.ns}-web`, name: 'web-settings' });
    expect(settings?.['data']).toEqual({ version: '1', cluster: 'c-0' });
    const actions = await w.auditActions();
    expect(actions.filter((a) => a !== 'ring.phase')).toEqual([
      'release.published',
      'rollout.started',
      'wave.opened',
      'wave.opened',
      'rollout.approved',
      'wave.opened',
      'rollout.completed',
    ]);
    const approval = (await w.audit.read()).find((e) => e.action === 'rollout.approved');
    expect(approval).toMatchObject({ actor: 'alice', reason: 'ring 1 looks good' });
    expect(await cli(['audit', 'verify', '--store', w.cliFlags.store, '--verify-key', w.cliFlags.verifyKey])).toMatchObject({ code: 0 });
  });
});

describe('health gates and approvals', () => {
  it('halts in the next step when a ring-1 cluster reports Degraded; no ring-2 pointer moves until resume excuses it', async () => {
    const delivery = { mode: 'continuous-deployment', rings: [ring('ring-0', '0'), ring('ring-1', '1', { maxFailures: 0 }), { name: 'ring-2', selector: {} }] };
    const w = await world({ clusters: { 'c-0': { ring: '0' }, 'c-1a': { ring: '1' }, 'c-1b': { ring: '1' }, 'c-2': { ring: '2' } }, delivery });
    await w.compile();
    await w.simulate('c-0');
    expect(await w.controller().step()).toMatchObject({ moved: 2 });
    await w.simulate('c-1a');
    const bad = await w.pointer('c-1b');
    await w.putStatus('c-1b', 'Degraded', bad.bundle as Digest, bad.generation, 'web-settings: admission webhook denied');
    expect(await w.controller().step()).toMatchObject({ phase: 'Halted', moved: 0, halted: { actor: 'hub', ring: 'ring-1' } });
    expect(await w.controller().step()).toMatchObject({ phase: 'Halted', moved: 0 });
    expect(await w.generations(['c-2'])).toEqual({ 'c-2': 0 });
    expect((await w.audit.read()).find((e) => e.action === 'rollout.halted')?.reason).toContain('c-1b');

    expect(await w.controller().command({ kind: 'resume', actor: 'bob', reason: 'c-1b is a known flake' })).toMatchObject({ moved: 1, phase: 'Progressing' });
    expect(await w.generations(['c-2'])).toEqual({ 'c-2': 1 });
    await w.simulate('c-2');
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
  });

  it('continuous-delivery: the last ring waits for an approval nobody wrote into fleet.yaml, and the approval opens it', async () => {
    const w = await world({ clusters: { 'c-0': { ring: '0' }, 'c-1': { ring: '1' } }, delivery: { rings: [ring('ring-0', '0'), { name: 'ring-1', selector: {} }] } });
    await w.compile();
    await w.simulate('c-0');
    expect(await w.controller().step()).toMatchObject({ moved: 0, phase: 'AwaitingApproval' });
    expect(await w.generations(['c-1'])).toEqual({ 'c-1': 0 });
    await expect(w.controller().command({ kind: 'approve', ring: 'ring-0', actor: 'alice', reason: 'no' })).rejects.toMatchObject({ code: 'RolloutCommandRefused' });
    expect(await w.controller().command({ kind: 'approve', ring: 'ring-1', actor: 'alice', reason: 'ship it' })).toMatchObject({ moved: 1 });
    expect(await w.generations(['c-1'])).toEqual({ 'c-1': 1 });
    await w.simulate('c-1');
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
  });
});
