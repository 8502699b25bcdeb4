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

  it('lists every variant the flag file defines when the record keeps them, even one no cluster has had', () => {
    expect(knownVariants(row({ variants: ['on', 'off', 'degraded'], variantsByRing: { '*': ['on'] } }))).toEqual(['degraded', 'off', 'on']);
  });

  it('kills with an off-like variant, else the one variant besides the default, else off', () => {
    expect(killVariant(row({ variantsByRing: { '*': ['enabled'] }, defaultVariant: 'enabled', rollout: [{ selector: { ring: 'x' }, variant: 'disabled' }] }))).toBe('disabled');
    expect(killVariant(row({ variants: ['off', 'on'], defaultVariant: 'on' }))).toBe('off');
    expect(killVariant(row({ variants: ['live', 'paused'], defaultVariant: 'live' }))).toBe('paused');
    // An older record without the variant list, or one with several candidates: the convention.
    expect(killVariant(row({ variants: ['a', 'b', 'c'], defaultVariant: 'a' }))).toBe('off');
    expect(killVariant(row({}))).toBe('off');
  });
});
