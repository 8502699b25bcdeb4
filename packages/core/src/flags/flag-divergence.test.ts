import { describe, expect, it } from 'vitest';
import type { FlagOverride, FlagRecord } from './flag-definition.js';
import { overrideDiverges } from './flag-divergence.js';

const D = `sha256:${'0'.repeat(64)}`;
const revision = {
  clusters: { a: D, b: D, c: D },
  rings: { a: 'ring-0', b: 'ring-1', c: 'ring-1' },
  labels: { a: { region: 'eu' }, b: { region: 'us' }, c: { region: 'us' } },
};
const record: FlagRecord = { type: 'kill-switch', owner: 'sre', file: 'flags/k.yaml', commit: 'c0ffee', firstSeen: '2026-12-01T00:00:00.000Z', variantsByRing: { 'ring-0': ['off'], 'ring-1': ['on'] } };
const o = (variant: string, selector?: string): FlagOverride => ({ variant, actor: 'alice', at: '2026-12-02T00:00:00.000Z', reason: 'incident', ...(selector ? { selector } : {}) });

describe('overrideDiverges', () => {
  it.each<[string, FlagRecord, FlagOverride, boolean]>([
    ['every cluster, Git mixed', record, o('off'), true],
    ['every cluster, Git uniform on the same variant', { ...record, variantsByRing: { 'ring-0': ['off'], 'ring-1': ['off'] }, uniform: 'off', uniformSince: record.firstSeen }, o('off'), false],
    ['selected clusters all get it from Git', record, o('on', 'region=us'), false],
    ['a selected cluster gets another variant', record, o('off', 'region=us'), true],
    ['selects no cluster', record, o('off', 'region=ap'), false],
    ['a selector that does not parse', record, o('off', 'region in (('), true],
    // Review 14b #4: Git's targeting can give some users another variant, which clearing the override brings back.
    ['every cluster, Git uniform on the same variant but with targeting', { ...record, variantsByRing: { 'ring-0': ['off'], 'ring-1': ['off'] }, uniform: 'off', uniformSince: record.firstSeen, targeting: true }, o('off'), true],
    ['selected clusters all get it from Git, but with targeting', { ...record, targeting: true }, o('on', 'region=us'), true],
    ['selects no cluster, with targeting', { ...record, targeting: true }, o('off', 'region=ap'), false],
  ])('%s', (_name, r, override, want) => {
    expect(overrideDiverges(r, override, revision)).toBe(want);
  });
});

describe('overrideDiverges with the rule inputs recorded (per selected cluster)', () => {
  // One ring holds eu and us clusters; Git gives eu `off` by a label rule, so the ring has both variants.
  const mixedRing = { clusters: { eu: D, us: D, can: D }, rings: { eu: 'rest', us: 'rest', can: 'canary' }, labels: { eu: { region: 'eu' }, us: { region: 'us' }, can: { region: 'eu' } } };
  const rules: FlagRecord = {
    ...record,
    variantsByRing: { canary: ['on'], rest: ['off', 'on'] },
    defaultVariant: 'on',
    rollout: [
      { selector: { ring: 'canary' }, variant: 'on' },
      { selector: { matchLabels: { region: 'eu' } }, variant: 'off' },
    ],
  };
  it.each<[string, FlagOverride, boolean]>([
    ['the override selects only clusters Git gives it: agrees', o('on', 'region=us'), false],
    ['a selected eu cluster of the canary ring gets on by its ring rule', o('off', 'region=eu'), true],
    ['no selector, Git mixed', o('off'), true],
  ])('%s', (_name, override, want) => {
    expect(overrideDiverges(rules, override, mixedRing)).toBe(want);
  });

  it('an override `off --selector region=eu` agrees once Git gives eu off in a ring of eu and us clusters', () => {
    const revision = { clusters: { eu: D, us: D }, rings: { eu: 'rest', us: 'rest' }, labels: { eu: { region: 'eu' }, us: { region: 'us' } } };
    const r: FlagRecord = { ...record, variantsByRing: { rest: ['off', 'on'] }, defaultVariant: 'on', rollout: [{ selector: { matchLabels: { region: 'eu' } }, variant: 'off' }] };
    expect(overrideDiverges(r, o('off', 'region=eu'), revision)).toBe(false);
  });
});
