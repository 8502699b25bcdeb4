import type { EncodedBundle, Rollout } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import type { CompiledFleet } from '../compile.js';
import { digestOf, planOf, revisionOf } from '../testing/rollout-fixture.js';
import { buildRelease } from './release.js';

const to = digestOf('2');
const from = digestOf('1');
const compiled = { revision: revisionOf('2'), bundles: new Map([['s', { digest: to } as EncodedBundle]]), unchanged: new Map([['u', from]]) } as unknown as CompiledFleet;
const delivery = { plan: planOf('r0', 'r1'), ringOf: new Map([['s', 1], ['u', 0]]), statefulKeys: new Map([['s', 'key-a']]) };
const published = { memo: { pointers: { s: { digest: from, etag: 'e', generation: 3, keyId: 'none' } } }, refused: [] };
const previousWith = (statefulKey: string | undefined, prevTo = from): Rollout =>
  ({ clusters: { s: { ring: 1, to: prevTo, statefulChanged: false, state: 'applied', ...(statefulKey ? { statefulKey } : {}) } } }) as unknown as Rollout;

describe('buildRelease', () => {
  it.each([
    ['no previous rollout: unknown counts as changed', undefined, true],
    ['the previous rollout released the same stateful key for the current bundle', previousWith('key-a'), false],
    ['a different stateful key', previousWith('key-b'), true],
    ['the same key, but for another bundle than the current one', previousWith('key-a', digestOf('9')), true],
  ])('statefulChanged: %s', (_what, previous, changed) => {
    const release = buildRelease({ id: 'x', compiled, delivery, published, ...(previous ? { previous } : {}) });
    expect(release.clusters.get('s')).toEqual({ ring: 1, to, from, statefulChanged: changed });
  });

  it('gives a cluster without stateful apps statefulChanged false, and no from without a pointer', () => {
    const release = buildRelease({ id: 'x', compiled, delivery, published: { ...published, refused: [{ cluster: 'u', reason: 'r' }] } });
    expect(release.clusters.get('u')).toEqual({ ring: 0, to: from, statefulChanged: false, refused: true });
  });

  it('keeps the last good bundle as from for clusters of a failed ring whose revert was still due (frozen), not the bad one their pointer names', () => {
    const good = digestOf('0');
    const failedRing = (reverted: boolean, onFailure: 'revert' | 'halt'): Rollout =>
      ({
        plan: { ...planOf('r0', 'r1'), onFailure },
        rings: [{ name: 'r0', phase: 'Succeeded' }, { name: 'r1', phase: 'Failed', ...(reverted ? { reverted: true } : {}) }],
        clusters: { s: { ring: 1, from: good, to: from, statefulChanged: false, state: 'failed' } },
      }) as unknown as Rollout;
    const due = buildRelease({ id: 'x', compiled, delivery, published, previous: failedRing(false, 'revert') });
    expect(due.clusters.get('s')).toMatchObject({ from: good, to });
    expect(buildRelease({ id: 'x', compiled, delivery, published, previous: failedRing(false, 'halt') }).clusters.get('s')?.from, 'halt only: no revert was due').toBe(from);
  });

  it('records the labels the checks name for each cluster that has them, and none for one that has none', () => {
    const labels = new Map([['s', { region: 'eu' }]]);
    const release = buildRelease({ id: 'x', compiled, delivery: { ...delivery, labels }, published });
    expect(release.clusters.get('s')?.labels).toEqual({ region: 'eu' });
    expect(release.clusters.get('u')).not.toHaveProperty('labels');
  });
});
