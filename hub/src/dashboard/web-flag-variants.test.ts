import { describe, expect, it } from 'vitest';
import { type FlagRow, killVariant, knownVariants, variantsText } from '../../web/src/components/flag-variants.js';

const row = (over: Partial<FlagRow>): FlagRow => ({
  key: 'checkout-kill',
  type: 'kill-switch',
  owner: 'team',
  file: 'flags/checkout-kill.yaml',
  commit: 'c',
  firstSeen: '2026-01-01T00:00:00.000Z',
  variantsByRing: { '*': ['on'] },
  ageDays: 1,
  health: 'ok',
  ...over,
});

describe('the flags page variants', () => {
  it('lists the variants the report names: per ring, default, rollout entries and override', () => {
    const r = row({ variantsByRing: { canary: ['on'], rest: ['off'] }, defaultVariant: 'dark', rollout: [{ selector: { ring: 'canary' }, variant: 'beta' }] });
    expect(knownVariants(r)).toEqual(['beta', 'dark', 'off', 'on']);
    expect(variantsText(r)).toBe('canary=on rest=off');
  });

  it('kills with an off-like variant the report names, else off', () => {
    expect(killVariant(row({ variantsByRing: { '*': ['enabled'] }, defaultVariant: 'enabled', rollout: [{ selector: { ring: 'x' }, variant: 'disabled' }] }))).toBe('disabled');
    expect(killVariant(row({}))).toBe('off');
  });
});
