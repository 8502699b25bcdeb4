import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json.js';
import type { KubeObject } from '../documents/kube-object.js';
import { applyFlagOverrides } from './apply-flag-overrides.js';
import { FLAGS_CONFIGMAP_KEY, FLAGS_CONFIGMAP_NAME, type FlagOverride } from './flag-definition.js';

const at = '2026-11-30T12:00:00.000Z';
const override = (variant: string, actor = 'alice', reason = 'incident 42'): FlagOverride => ({ variant, actor, at, reason });

function flagsMap(flags: Record<string, unknown>, namespace = 'web'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: FLAGS_CONFIGMAP_NAME, namespace },
    data: { [FLAGS_CONFIGMAP_KEY]: canonicalJson({ flags }) },
  };
}
const meta = (gitVariant: string) => ({ owner: 'team-a', type: 'kill-switch', commit: 'abc', gitVariant });
const checkout = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'on',
  targeting: { if: [{ '==': [{ var: 'tier' }, 'free'] }, 'off', null] },
  metadata: meta('on'),
};
const banner = { state: 'ENABLED', variants: { blue: 'blue', red: 'red' }, defaultVariant: 'blue', metadata: meta('blue') };
const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' }, spec: { replicas: 1 } };

const flagsOf = (objects: readonly KubeObject[], i = 0): Record<string, Record<string, unknown>> => {
  const data = (objects[i] as unknown as { data: Record<string, string> }).data;
  return (JSON.parse(data[FLAGS_CONFIGMAP_KEY] ?? '{}') as { flags: Record<string, Record<string, unknown>> }).flags;
};

describe('applyFlagOverrides', () => {
  const cases: { name: string; flags: Record<string, unknown>; overrides: [string, FlagOverride][]; want: Record<string, unknown> }[] = [
    {
      name: 'an override wins over targeting and Git\'s variant, and says who and why',
      flags: { checkout },
      overrides: [['checkout', override('off')]],
      want: {
        checkout: { ...checkout, defaultVariant: 'off', targeting: { if: [true, 'off', checkout.targeting] }, metadata: { ...meta('on'), override: 'alice: incident 42' } },
      },
    },
    {
      name: 'a flag without targeting gets null as the original',
      flags: { banner },
      overrides: [['banner', override('red', 'bob', 'bad colour')]],
      want: { banner: { ...banner, defaultVariant: 'red', targeting: { if: [true, 'red', null] }, metadata: { ...meta('blue'), override: 'bob: bad colour' } } },
    },
    { name: 'an unknown variant leaves the flag as Git has it', flags: { banner }, overrides: [['banner', override('green')]], want: { banner } },
    { name: 'an override of a flag the bundle lacks changes nothing', flags: { banner }, overrides: [['nope', override('off')]], want: { banner } },
    {
      name: 'a cleared override is restored from the bundle alone',
      flags: {
        checkout: { ...checkout, defaultVariant: 'off', targeting: { if: [true, 'off', checkout.targeting] }, metadata: { ...meta('on'), override: 'alice: x' } },
        banner: { ...banner, defaultVariant: 'red', targeting: { if: [true, 'red', null] }, metadata: { ...meta('blue'), override: 'bob: y' } },
      },
      overrides: [],
      want: { checkout, banner },
    },
    {
      name: 'a changed override replaces the old one, not wraps it',
      flags: { checkout: { ...checkout, defaultVariant: 'off', targeting: { if: [true, 'off', checkout.targeting] }, metadata: { ...meta('on'), override: 'alice: x' } } },
      overrides: [['checkout', override('on', 'carol', 'fixed')]],
      want: { checkout: { ...checkout, defaultVariant: 'on', targeting: { if: [true, 'on', checkout.targeting] }, metadata: { ...meta('on'), override: 'carol: fixed' } } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = applyFlagOverrides([flagsMap(c.flags), deployment], new Map(c.overrides));
      expect(flagsOf(out)).toEqual(c.want);
      expect(out[1]).toBe(deployment);
    });
  }

  it('rewrites every driftless-flags ConfigMap, in every namespace, with canonical JSON', () => {
    const out = applyFlagOverrides([flagsMap({ banner }, 'a'), flagsMap({ banner }, 'b')], new Map([['banner', override('red')]]));
    for (const i of [0, 1]) {
      expect(flagsOf(out, i)['banner']?.['defaultVariant']).toBe('red');
      const text = (out[i] as unknown as { data: Record<string, string> }).data[FLAGS_CONFIGMAP_KEY] ?? '';
      expect(text).toBe(canonicalJson(JSON.parse(text)));
    }
  });

  it('leaves other ConfigMaps and objects without flags untouched (same object)', () => {
    const other: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'web' }, data: { [FLAGS_CONFIGMAP_KEY]: '{"flags":{}}' } };
    const objects = [other, deployment, flagsMap({ banner })];
    const out = applyFlagOverrides(objects, new Map([['checkout', override('off')]]));
    expect(out[0]).toBe(other);
    expect(out[1]).toBe(deployment);
    expect(out[2]).toBe(objects[2]);
  });

  it('is idempotent, and equal inputs give equal bytes', () => {
    const overrides = new Map([['checkout', override('off')]]);
    const once = applyFlagOverrides([flagsMap({ checkout, banner })], overrides);
    const twice = applyFlagOverrides(once, overrides);
    expect(canonicalJson(twice)).toBe(canonicalJson(once));
    expect(canonicalJson(applyFlagOverrides([flagsMap({ banner, checkout })], overrides))).toBe(canonicalJson(once));
  });

  const variantName = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
  const jsonValue = fc.oneof(fc.boolean(), fc.string(), fc.integer(), fc.constant(null));
  const flagArb = fc.dictionary(variantName, jsonValue, { minKeys: 1, maxKeys: 4 }).chain((variants) => {
    const names = Object.keys(variants);
    return fc.record(
      {
        variants: fc.constant(variants),
        defaultVariant: fc.constantFrom(...names),
        targeting: fc.option(fc.constant({ if: [{ '==': [{ var: 'tier' }, 'free'] }, names[0], null] }), { nil: undefined }),
        override: fc.option(fc.record({ variant: fc.oneof(fc.constantFrom(...names), variantName), actor: fc.string({ minLength: 1 }), reason: fc.string({ minLength: 1 }) }), { nil: undefined }),
      },
      { requiredKeys: ['variants', 'defaultVariant', 'override'] },
    );
  });

  it('apply, then clear, gives back the original bytes (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(variantName, flagArb, { maxKeys: 5 }), (generated) => {
        const flags: Record<string, unknown> = {};
        const overrides = new Map<string, FlagOverride>();
        for (const [key, f] of Object.entries(generated)) {
          flags[key] = { state: 'ENABLED', variants: f.variants, defaultVariant: f.defaultVariant, ...(f.targeting ? { targeting: f.targeting } : {}), metadata: meta(f.defaultVariant) };
          if (f.override) overrides.set(key, { ...f.override, at });
        }
        const original = [flagsMap(flags), deployment];
        const before = canonicalJson(original);
        const applied = applyFlagOverrides(original, overrides);
        expect(canonicalJson(applyFlagOverrides(applied, overrides))).toBe(canonicalJson(applied));
        expect(canonicalJson(applyFlagOverrides(applied, new Map()))).toBe(before);
        expect(canonicalJson(original)).toBe(before);
      }),
    );
  });
});
