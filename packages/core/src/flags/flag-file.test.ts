import { describe, expect, it } from 'vitest';
import { parseFlagFile, type FlagFileContext } from './flag-file.js';
import { parseFlagFiles } from './flag-files.js';

const good = [
  'type: release', // 1
  'owner: team-checkout', // 2
  'expires: 2031-06-30', // 3
  'variants:', // 4
  '  "on": true', // 5
  '  "off": false', // 6
  'defaultVariant: "off"', // 7
  'rollout:', // 8
  '  - selector: {ring: canary}', // 9
  '    variant: "on"', // 10
  '  - selector: {matchLabels: {region: eu}}', // 11
  '    variant: "on"', // 12
  'namespaces: [shop]', // 13
].join('\n');

const ctx = { rings: ['canary', 'rest'] };
const edit = (line: number, text: string | null): string => {
  const lines = good.split('\n');
  if (text === null) lines.splice(line - 1, 1);
  else lines[line - 1] = text;
  return lines.join('\n');
};
const errorOf = (text: string, file = 'flags/new-checkout.yaml', c: FlagFileContext = ctx): string => {
  try {
    parseFlagFile(text, file, c);
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('parseFlagFile', () => {
  it('reads a flag file into its definition, the key from the file name, and the line of expires (for expiry errors)', () => {
    expect(parseFlagFile(good, 'flags/new-checkout.yaml', ctx)).toEqual({
      key: 'new-checkout',
      file: 'flags/new-checkout.yaml',
      type: 'release',
      owner: 'team-checkout',
      expires: '2031-06-30',
      expiresLine: 3,
      variants: { on: true, off: false },
      defaultVariant: 'off',
      rollout: [
        { selector: { ring: 'canary' }, variant: 'on' },
        { selector: { matchLabels: { region: 'eu' } }, variant: 'on' },
      ],
      namespaces: ['shop'],
    });
  });

  it('refuses an unknown variant in defaultVariant and in a rollout entry, with its line', () => {
    expect(errorOf(edit(7, 'defaultVariant: dark'))).toMatch(/^flags\/new-checkout.yaml:7: defaultVariant: variant dark is not one of the flag's variants \(on, off\)/);
    expect(errorOf(edit(12, '    variant: maybe'))).toMatch(/^flags\/new-checkout.yaml:12: rollout.1.variant: variant maybe/);
  });

  it('refuses a missing owner, naming it', () => {
    expect(errorOf(edit(2, null))).toMatch(/^flags\/new-checkout.yaml:1: owner: every flag needs an owner/);
    expect(errorOf(edit(2, 'owner: ""'))).toMatch(/^flags\/new-checkout.yaml:2: owner: every flag needs an owner/);
  });

  it('refuses a missing or bad expiry on a temporary flag, and any expiry on a permanent one', () => {
    expect(errorOf(edit(3, null))).toMatch(/^flags\/new-checkout.yaml:1: expires: a release flag is temporary and needs an expiry date/);
    expect(errorOf(edit(3, 'expires: 2031-02-30'))).toMatch(/^flags\/new-checkout.yaml:3: expires: must be a date YYYY-MM-DD/);
    expect(errorOf(edit(3, 'expires: next week'))).toMatch(/^flags\/new-checkout.yaml:3: expires: must be a date/);
    expect(errorOf(edit(1, 'type: kill-switch'))).toMatch(/^flags\/new-checkout.yaml:3: expires: a kill-switch flag is permanent and takes no expiry/);
    expect(parseFlagFile(edit(3, null).replace('type: release', 'type: permission'), 'flags/p.yaml', ctx).expires).toBeUndefined();
  });

  it('refuses targeting the injected validator refuses, naming the line; without a validator only a JSON object is required', () => {
    const withTargeting = (rule: string): string => `${good}\ntargeting: ${rule}`;
    const seen: unknown[] = [];
    const validateTargeting = (key: string, _v: unknown, _d: string, targeting: Readonly<Record<string, unknown>>): string | undefined => {
      seen.push([key, targeting]);
      return 'no_such_op' in targeting ? 'the evaluator cannot parse it' : undefined;
    };
    expect(errorOf(withTargeting('{"no_such_op": [1, 2]}'), 'flags/new-checkout.yaml', { ...ctx, validateTargeting })).toMatch(/^flags\/new-checkout.yaml:14: targeting: the evaluator cannot parse it/);
    expect(seen).toEqual([['new-checkout', { no_such_op: [1, 2] }]]);
    expect(errorOf(withTargeting('{"no_such_op": [1, 2]}'))).toBe('no error');
    expect(errorOf(withTargeting('"on"'))).toMatch(/^flags\/new-checkout.yaml:14: targeting: must be a flagd JsonLogic object/);
  });

  it('refuses a ring no rollout can name: unknown, or a fleet without delivery', () => {
    expect(errorOf(edit(9, '  - selector: {ring: early}'))).toMatch(/^flags\/new-checkout.yaml:9: rollout.0.selector: no ring early in spec.delivery \(rings: canary, rest\)/);
    expect(errorOf(good, 'flags/new-checkout.yaml', {})).toMatch(/^flags\/new-checkout.yaml:9: rollout.0.selector: ring canary is named but fleet.yaml has no spec.delivery/);
  });

  it('refuses a namespace that is not a DNS label, and a file name that is not a flag key', () => {
    expect(errorOf(edit(13, 'namespaces: [shop, Bad_NS]'))).toMatch(/^flags\/new-checkout.yaml:13: namespaces\[1\]: must be a DNS label/);
    expect(errorOf(good, 'flags/-bad key.yaml')).toMatch(/^flags\/-bad key.yaml: flag key "-bad key" \(the file name\) must be letters/);
  });

  it('says to quote on/off when YAML 1.1 read a variant name as a boolean', () => {
    expect(errorOf(edit(7, 'defaultVariant: off'))).toMatch(/^flags\/new-checkout.yaml:7: defaultVariant: must be a variant name \(quote on\/off/);
  });
});

describe('parseFlagFiles', () => {
  it('refuses two keys that differ only in case, naming both files', () => {
    const files = [
      { path: 'flags/new-checkout.yaml', text: good },
      { path: 'flags/New-Checkout.yaml', text: good },
    ];
    expect(() => parseFlagFiles(files, ctx)).toThrow(/^flags\/new-checkout.yaml:1: flag new-checkout clashes with flags\/New-Checkout.yaml/);
  });
});
