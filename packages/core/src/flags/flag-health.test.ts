import { describe, expect, it } from 'vitest';
import type { FlagOverride, FlagRecord } from './flag-definition.js';
import { flagHealth, type FlagHealth } from './flag-health.js';

const NOW = Date.parse('2026-12-15T12:00:00.000Z');
const base: FlagRecord = { type: 'release', owner: 'team-a', file: 'flags/f.yaml', commit: 'c0ffee', firstSeen: '2026-11-01T00:00:00.000Z', variantsByRing: { 'ring-0': ['on'], 'ring-1': ['off'] } };
const override: FlagOverride = { variant: 'off', actor: 'alice', at: '2026-12-15T00:00:00.000Z', reason: 'incident' };
const uniform = (variant: string, since: string): Partial<FlagRecord> => ({ variantsByRing: { 'ring-0': [variant] }, uniform: variant, uniformSince: since });

const cases: [string, Partial<FlagRecord>, FlagOverride | undefined, FlagHealth][] = [
  ['mixed variants, far expiry', { expires: '2027-06-01' }, undefined, 'ok'],
  ['a permanent flag', { type: 'kill-switch' }, undefined, 'ok'],
  ['expired yesterday', { expires: '2026-12-14' }, undefined, 'expired'],
  ['expires today (end of day UTC): not yet expired', { expires: '2026-12-15' }, undefined, 'expiring'],
  ['13 days left: expiring', { expires: '2026-12-28' }, undefined, 'expiring'],
  ['14 calendar days left: expiring', { expires: '2026-12-29' }, undefined, 'expiring'],
  ['more than 14 days left: ok', { expires: '2026-12-30' }, undefined, 'ok'],
  ['expired beats ready-to-remove', { expires: '2026-12-01', ...uniform('on', '2026-11-10T00:00:00.000Z') }, undefined, 'expired'],
  ['expiring beats ready-to-remove', { expires: '2026-12-20', ...uniform('on', '2026-11-10T00:00:00.000Z') }, undefined, 'expiring'],
  ['uniform for 14 days: ready-to-remove', uniform('on', '2026-12-01T12:00:00.000Z'), undefined, 'ready-to-remove'],
  ['uniform for 13 days: ok', uniform('on', '2026-12-02T12:00:00.000Z'), undefined, 'ok'],
  ['never-on beats ready-to-remove: one variant since first seen, 44 days ago', { ...uniform('off', '2026-11-01T00:00:00.000Z') }, undefined, 'never-on'],
  ['a kill-switch uniform for 30 days: ok (permanent flags are never stale)', { type: 'kill-switch', firstSeen: '2026-11-15T00:00:00.000Z', ...uniform('on', '2026-11-15T00:00:00.000Z') }, undefined, 'ok'],
  ['a permission flag uniform since a later publish, 30 days: ok', { type: 'permission', ...uniform('on', '2026-11-15T00:00:00.000Z') }, undefined, 'ok'],
  ['a release uniform since first seen 3 days ago: ok (not rolled out yet)', { firstSeen: '2026-12-12T00:00:00.000Z', ...uniform('off', '2026-12-12T00:00:00.000Z') }, undefined, 'ok'],
  ['a release uniform since first seen 30 days ago: never-on', { firstSeen: '2026-11-15T00:00:00.000Z', ...uniform('off', '2026-11-15T00:00:00.000Z') }, undefined, 'never-on'],
  ['an active override keeps a uniform flag from ready-to-remove', uniform('on', '2026-12-01T12:00:00.000Z'), override, 'ok'],
  ['one variant since first seen 5 days ago: ok', { firstSeen: '2026-12-10T00:00:00.000Z', ...uniform('off', '2026-12-10T00:00:00.000Z') }, undefined, 'ok'],
  ['an override to another variant switched it: not never-on', { firstSeen: '2026-12-10T00:00:00.000Z', ...uniform('on', '2026-12-10T00:00:00.000Z') }, override, 'ok'],
  ['uniform only since a later publish: ok', { firstSeen: '2026-12-05T00:00:00.000Z', ...uniform('on', '2026-12-10T00:00:00.000Z') }, undefined, 'ok'],
];

describe('flagHealth at the 14-day boundary (calendar days: expires minus today\'s UTC date)', () => {
  it.each<[string, string, FlagHealth]>([
    ['2026-12-15T00:00:00.000Z', '2026-12-29', 'expiring'],
    ['2026-12-15T23:59:00.000Z', '2026-12-29', 'expiring'],
    ['2026-12-15T00:00:00.000Z', '2026-12-30', 'ok'],
    ['2026-12-15T23:59:00.000Z', '2026-12-30', 'ok'],
    ['2026-12-15T23:59:00.000Z', '2026-12-15', 'expiring'],
    ['2026-12-16T00:00:00.000Z', '2026-12-15', 'expired'],
  ])('at %s, expires %s: %s', (at, expires, want) => {
    expect(flagHealth({ ...base, expires }, Date.parse(at))).toBe(want);
  });
});

describe('flagHealth', () => {
  it.each(cases)('%s', (_name, record, o, want) => {
    expect(flagHealth({ ...base, ...record }, NOW, o)).toBe(want);
  });
});
