import { describe, expect, it } from 'vitest';
import type { FlagDefinition } from './flag-definition.js';
import { flagRecords } from './flag-records.js';

const def = (key: string, extra: Partial<FlagDefinition> = {}): FlagDefinition => ({
  key,
  file: `flags/${key}.yaml`,
  type: 'release',
  owner: 'team-a',
  expires: '2027-01-31',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  rollout: [],
  namespaces: ['web'],
  ...extra,
});
const T1 = '2026-12-01T00:00:00.000Z';
const T2 = '2026-12-05T00:00:00.000Z';
const rings = new Map([
  ['a', 'ring-0'],
  ['b', 'ring-1'],
  ['c', 'ring-1'],
]);
const commits = new Map([['checkout', 'c0ffee']]);

describe('flagRecords', () => {
  it('lists the sorted variants per ring, the commit and the definition fields (with its rule inputs); a new flag is first seen now', () => {
    const rollout = [{ selector: { matchLabels: { region: 'eu' } }, variant: 'on' }];
    const variants = new Map([
      ['a', { checkout: 'on' }],
      ['b', { checkout: 'on' }],
      ['c', { checkout: 'off' }],
    ]);
    expect(flagRecords({ definitions: [def('checkout', { rollout })], variants, rings, commits, publishedAt: T1 })).toEqual({
      checkout: { type: 'release', owner: 'team-a', expires: '2027-01-31', file: 'flags/checkout.yaml', commit: 'c0ffee', firstSeen: T1, variantsByRing: { 'ring-0': ['on'], 'ring-1': ['off', 'on'] }, defaultVariant: 'off', variants: ['off', 'on'], rollout },
    });
  });

  it('lists clusters without a ring under *, and a permanent flag without expiry', () => {
    const variants = new Map([['a', { kill: 'off' }]]);
    const got = flagRecords({ definitions: [(({ expires: _, ...rest }) => rest)(def('kill', { type: 'kill-switch' }))], variants, commits, publishedAt: T1 });
    expect(got['kill']).toEqual({ type: 'kill-switch', owner: 'team-a', file: 'flags/kill.yaml', commit: 'unknown', firstSeen: T1, variantsByRing: { '*': ['off'] }, uniform: 'off', uniformSince: T1, defaultVariant: 'off', variants: ['off', 'on'], rollout: [] });
  });

  it('records that a flag has targeting (review 14b #4: an override of it cannot be shown to agree with Git)', () => {
    const variants = new Map([['a', { checkout: 'off' }]]);
    const targeting = { fractional: [['on', 50], ['off', 50]] };
    expect(flagRecords({ definitions: [def('checkout', { targeting })], variants, commits, publishedAt: T1 })['checkout']?.targeting).toBe(true);
    expect(flagRecords({ definitions: [def('checkout')], variants, commits, publishedAt: T1 })['checkout']).not.toHaveProperty('targeting');
  });

  it('carries firstSeen over, and uniformSince while the same variant stays everywhere', () => {
    const everywhere = (v: string) => new Map([...rings.keys()].map((c) => [c, { checkout: v }]));
    const first = flagRecords({ definitions: [def('checkout')], variants: everywhere('on'), rings, commits, publishedAt: T1 });
    expect(first['checkout']).toMatchObject({ firstSeen: T1, uniform: 'on', uniformSince: T1 });
    const same = flagRecords({ definitions: [def('checkout')], variants: everywhere('on'), rings, commits, previous: first, publishedAt: T2 });
    expect(same['checkout']).toMatchObject({ firstSeen: T1, uniform: 'on', uniformSince: T1 });
    const changed = flagRecords({ definitions: [def('checkout')], variants: everywhere('off'), rings, commits, previous: same, publishedAt: T2 });
    expect(changed['checkout']).toMatchObject({ firstSeen: T1, uniform: 'off', uniformSince: T2 });
    const mixed = flagRecords({ definitions: [def('checkout')], variants: new Map([['a', { checkout: 'on' }], ['b', { checkout: 'off' }]]), rings, commits, previous: same, publishedAt: T2 });
    expect(mixed['checkout']?.uniform).toBeUndefined();
    expect(mixed['checkout']?.uniformSince).toBeUndefined();
    const again = flagRecords({ definitions: [def('checkout')], variants: everywhere('on'), rings, commits, previous: mixed, publishedAt: '2026-12-09T00:00:00.000Z' });
    expect(again['checkout']).toMatchObject({ uniform: 'on', uniformSince: '2026-12-09T00:00:00.000Z' });
  });
});
