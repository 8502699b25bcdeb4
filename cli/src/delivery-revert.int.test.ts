import type { Digest } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { deliveryWorlds } from './testing/delivery-world.js';

// Issue 12 item 10 (onFailure: revert) against MinIO and the git server.
const world = deliveryWorlds();

describe('onFailure: revert', () => {
  it("sends a failed ring's clusters with only stateless changes back to their previous bundle; one whose stateful app changed keeps the new one", async () => {
    const delivery = {
      mode: 'continuous-deployment',
      onFailure: 'revert',
      rings: [
        { name: 'ring-0', selector: { matchLabels: { ring: '0' } } },
        { name: 'ring-1', selector: {} },
      ],
    };
    // c-1db runs the stateful app `db`; c-1a and c-1b only the stateless `web`.
    const clusters = { 'c-0': { ring: '0' }, 'c-1a': { ring: '1' }, 'c-1b': { ring: '1' }, 'c-1db': { ring: '1', db: 'yes' } };
    const ring1 = ['c-1a', 'c-1b', 'c-1db'];
    const w = await world({ clusters, delivery });
    await w.compile();
    await w.simulate('c-0');
    await w.controller().step();
    await w.simulate(...ring1);
    expect(await w.controller().step()).toMatchObject({ phase: 'Completed' });
    const good = Object.fromEntries(await Promise.all(ring1.map(async (c) => [c, (await w.pointer(c)).bundle] as const)));

    await w.commit({ clusters, delivery, versions: { web: '2', db: '2' } }, 'web 2, db 2');
    await w.compile();
    await w.simulate('c-0');
    expect(await w.controller().step()).toMatchObject({ moved: 3 });
    await w.simulate('c-1b', 'c-1db');
    const bad = await w.pointer('c-1a');
    const fresh = (await w.pointer('c-1db')).bundle;
    await w.putStatus('c-1a', 'Degraded', bad.bundle as Digest, bad.generation, 'web-settings: quota exceeded');

    expect(await w.controller().step()).toMatchObject({ phase: 'Halted', reverted: 2 });
    expect(await w.generations(ring1)).toEqual({ 'c-1a': 3, 'c-1b': 3, 'c-1db': 2 });
    expect((await w.pointer('c-1a')).bundle).toBe(good['c-1a']);
    expect((await w.pointer('c-1b')).bundle).toBe(good['c-1b']);
    expect((await w.pointer('c-1db')).bundle).toBe(fresh);
    expect((await w.audit.read()).find((e) => e.action === 'rollout.reverted')?.data).toMatchObject({ ring: 'ring-1', clusters: 2, keptStateful: 1 });
    expect(await w.controller().step()).toMatchObject({ moved: 0, reverted: 0 });
  });
});
