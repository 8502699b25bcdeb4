import type { FlagDefinition, FlagOverrides } from '@driftless/core';
import { describe, expect, it } from 'vitest';
import { unappliedOverrides } from './compiled-overrides.js';

const CHECKOUT: FlagDefinition = {
  key: 'checkout',
  file: 'flags/checkout.yaml',
  type: 'kill-switch',
  owner: 'shop',
  variants: { enabled: true, disabled: false },
  defaultVariant: 'enabled',
  rollout: [],
  namespaces: ['shop'],
};
const overrides = (entries: Record<string, string>): FlagOverrides => ({
  apiVersion: 'driftless.dev/v1alpha1',
  kind: 'FlagOverrides',
  overrides: Object.fromEntries(Object.entries(entries).map(([key, variant]) => [key, { variant, actor: 'alice', at: '2030-01-01T00:00:00.000Z', reason: 'incident' }])),
});
const compiledWith = (definitions: FlagDefinition[]) => ({ flags: { definitions, variantOf: new Map(), commitOf: new Map(), labels: new Map(), fingerprint: '', warnings: [] } });

describe('overrides a compile cannot apply', () => {
  it('warns when Git renamed the override\'s variant (its clusters get Git\'s variant back) or removed the flag', () => {
    const warnings = unappliedOverrides(compiledWith([CHECKOUT]), overrides({ checkout: 'off', gone: 'off' }));
    expect(warnings).toEqual([
      'override of flag checkout (off, by alice) is NOT applied: flags/checkout.yaml has no variant off any more (variants: enabled, disabled), so its clusters get Git\'s variant',
      'override of flag gone (off, by alice): flags/gone.yaml is not in this commit, so the override applies to nothing; driftless flag clear gone when it is no longer needed',
    ]);
  });

  it('says nothing of an override Git still allows', () => {
    expect(unappliedOverrides(compiledWith([CHECKOUT]), overrides({ checkout: 'disabled' }))).toEqual([]);
  });
});
