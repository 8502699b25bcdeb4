import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { FLAGS_CONFIGMAP_KEY, type FlagDefinition } from './flag-definition.js';
import { flagConfigMaps, resolveFlagVariant } from './flagd-document.js';

const flag: FlagDefinition = {
  key: 'new-checkout',
  file: 'flags/new-checkout.yaml',
  type: 'release',
  owner: 'team-checkout',
  expires: '2031-06-30',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  rollout: [
    { selector: { ring: 'canary' }, variant: 'on' },
    { selector: { matchLabels: { region: 'eu' } }, variant: 'on' },
  ],
  namespaces: ['shop', 'api'],
};

describe('resolveFlagVariant', () => {
  it('gives the first matching rollout entry by ring or labels, else the default', () => {
    expect(resolveFlagVariant(flag, { labels: {}, ring: 'canary' })).toBe('on');
    expect(resolveFlagVariant(flag, { labels: { region: 'eu' }, ring: 'rest' })).toBe('on');
    expect(resolveFlagVariant(flag, { labels: { region: 'us' }, ring: 'rest' })).toBe('off');
    expect(resolveFlagVariant(flag, { labels: { region: 'us' } }), 'no delivery: no ring').toBe('off');
    const first = { ...flag, rollout: [{ selector: { matchLabels: { region: 'eu' } }, variant: 'off' }, ...flag.rollout] };
    expect(resolveFlagVariant(first, { labels: { region: 'eu' }, ring: 'canary' }), 'order decides').toBe('off');
  });
});

describe('flagConfigMaps', () => {
  const color: FlagDefinition = { key: 'banner', file: 'flags/banner.yaml', type: 'permission', owner: 'web', variants: { red: 'red', blue: 'blue' }, defaultVariant: 'red', rollout: [], targeting: { if: [{ '==': [{ var: 'plan' }, 'gold'] }, 'blue', null] }, namespaces: ['shop'] };
  const maps = flagConfigMaps([flag, color], new Map([['new-checkout', 'on'], ['banner', 'blue']]), new Map([['new-checkout', 'c1'], ['banner', 'c2']]), new Set(['api', 'shop']));

  it('puts none in a namespace the cluster\'s bundle does not have: its apply would fail there', () => {
    const only = flagConfigMaps([flag, color], new Map(), new Map(), new Set(['shop', 'other']));
    expect(only.map((m) => m.metadata.namespace)).toEqual(['shop']);
    expect(flagConfigMaps([flag], new Map(), new Map(), new Set())).toEqual([]);
  });

  it('puts one ConfigMap in each namespace a flag lists, carrying only its flags, with the resolved variant and metadata', () => {
    expect(maps.map((m) => [m.kind, m.metadata.name, m.metadata.namespace])).toEqual([
      ['ConfigMap', 'driftless-flags', 'api'],
      ['ConfigMap', 'driftless-flags', 'shop'],
    ]);
    const api = JSON.parse((maps[0] as unknown as { data: Record<string, string> }).data[FLAGS_CONFIGMAP_KEY] ?? '');
    expect(api).toEqual({
      flags: {
        'new-checkout': {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'on',
          metadata: { owner: 'team-checkout', type: 'release', expires: '2031-06-30', commit: 'c1', gitVariant: 'on' },
        },
      },
    });
  });

  it('is what the flagd evaluator reads: an app with no context gets the resolved variant; targeting is kept', () => {
    const core = new FlagdCore();
    core.setConfigurations((maps[1] as unknown as { data: Record<string, string> }).data[FLAGS_CONFIGMAP_KEY] ?? '');
    expect(core.resolveBooleanEvaluation('new-checkout', false, {})).toMatchObject({ value: true, variant: 'on' });
    expect(core.resolveStringEvaluation('banner', 'none', { plan: 'gold' })).toMatchObject({ value: 'blue', variant: 'blue' });
    expect(core.resolveStringEvaluation('banner', 'none', {})).toMatchObject({ value: 'blue', variant: 'blue', reason: 'DEFAULT' });
  });
});
