import { canonicalBytes, storeLayout } from '@driftless/core';
import { pointBranch } from '@driftless/testkit';
import { describe, expect, it } from 'vitest';
import { cli, deliveryWorlds } from './testing/delivery-world.js';

// Issue 12 item 10: freeze, roll-forward, racing steps and a tampered audit log,
// against MinIO and the git server (simulated agents: the real agent code over
// an in-memory API). Steps run explicitly after agents report: no sleeps.
const world = deliveryWorlds();
const delivery = {
  mode: 'continuous-deployment',
  rings: [
    { name: 'ring-0', selector: { matchLabels: { ring: '0' } } },
    { name: 'ring-1', selector: {} },
  ],
};
const clusters = { 'c-0': { ring: '0' }, 'c-1a': { ring: '1' }, 'c-1b': { ring: '1' }, 'c-1c': { ring: '1' } };
const all = Object.keys(clusters);

describe('freeze during a rollout', () => {
  it('moves no pointer while frozen, not even for a new release it publishes; unfreeze lets the newer release continue', async () => {
    const w = await world({ clusters, delivery });
    await w.compile();
    await w.simulate('c-0');
    expect(await cli(['freeze', '--store', w.cliFlags.store, '--reason', 'incident 7', '--as', 'ops'])).toMatchObject({ code: 0 });
    const before = await w.generations(all);
    expect(await w.controller().step()).toMatchObject({ moved: 0, frozen: { actor: 'ops', reason: 'incident 7' } });
    expect(await w.generations(all)).toEqual(before);

    const second = await w.commit({ clusters, delivery, versions: { web: '2' } }, 'web 2');
    const frozen = await w.compile();
    expect(frozen).toMatchObject({ revision: second, pointersUpdated: 0, frozen: { actor: 'ops' }, rollout: { moved: 0 } });
    expect(await w.store.get(storeLayout.revision(second))).toMatchObject({ kind: 'found' });
    expect(await w.controller().step()).toMatchObject({ moved: 0 });
    expect(await w.generations(all)).toEqual(before);

    expect(await cli(['unfreeze', '--store', w.cliFlags.store, '--reason', 'resolved', '--as', 'ops'])).toMatchObject({ code: 0 });
    expect(await w.controller().step()).toMatchObject({ moved: 1 });
    expect(await w.generations(all)).toEqual({ ...before, 'c-0': 2 });
    await w.simulate('c-0');
    expect(await w.controller().step()).toMatchObject({ moved: 3 });
    expect(await w.generations(all)).toEqual({ 'c-0': 2, 'c-1a': 1, 'c-1b': 1, 'c-1c': 1 });
  });
});

describe('roll forward', () => {
  it('refuses a commit that does not descend from the last released one (exit 2, nothing published); --allow-rollback publishes it, audited', async () => {
    const w = await world({ clusters, delivery });
    const second = await w.commit({ clusters, delivery, versions: { web: '2' } }, 'web 2');
    expect(await cli(['hub', 'compile', ...w.cliFlags.compile])).toMatchObject({ code: 0 });
    const entries = (await w.audit.read()).length;
    const before = await w.generations(all);

    await pointBranch(w.bare, 'main', w.first);
    const refused = await cli(['hub', 'compile', ...w.cliFlags.compile]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--allow-rollback');
    expect(await w.store.get(storeLayout.revision(w.first))).toEqual({ kind: 'not-found' });
    expect((await w.audit.read()).length).toBe(entries);
    expect(await w.generations(all)).toEqual(before);

    expect(await cli(['hub', 'compile', ...w.cliFlags.compile, '--allow-rollback', '--reason', 'web 2 leaks memory'])).toMatchObject({ code: 0 });
    expect(await w.store.get(storeLayout.revision(w.first))).toMatchObject({ kind: 'found' });
    const rollback = (await w.audit.read()).find((e) => e.action === 'rollback.allowed');
    expect(rollback).toMatchObject({ reason: 'web 2 leaks memory', data: { revision: w.first, rolledBackFrom: second } });
  });
});

describe('racing steps', () => {
  it('two controllers stepping at once produce one version: every ring-1 pointer moves exactly once', async () => {
    const w = await world({ clusters, delivery });
    await w.compile();
    await w.simulate('c-0');
    const [a, b] = [w.controller(), w.controller()];
    const reports = await Promise.all([a.step(), b.step()]);
    expect(reports.reduce((n, r) => n + r.moved, 0)).toBe(3);
    expect(await w.generations(all)).toEqual({ 'c-0': 1, 'c-1a': 1, 'c-1b': 1, 'c-1c': 1 });
    expect((await w.auditActions()).filter((x) => x === 'wave.opened')).toHaveLength(2);
    expect(await Promise.all([a.step(), b.step()])).toMatchObject([{ moved: 0 }, { moved: 0 }]);
  });
});

describe('audit verify', () => {
  it("exits 1 naming the entry whose actor was rewritten in a rollout's log", async () => {
    const w = await world({ clusters, delivery });
    await w.compile();
    await w.simulate('c-0');
    await w.controller().step();
    expect(await cli(['audit', 'verify', '--store', w.cliFlags.store, '--verify-key', w.cliFlags.verifyKey])).toMatchObject({ code: 0 });
    const [, second] = await w.audit.read();
    if (!second) throw new Error('expected two audit entries at least');
    await w.store.put(storeLayout.auditEntry(second.seq), canonicalBytes({ ...second, actor: 'mallory' }));
    const r = await cli(['audit', 'verify', '--store', w.cliFlags.store, '--verify-key', w.cliFlags.verifyKey]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^error: audit verify failed: entry ${second.seq}: altered`));
  });
});
