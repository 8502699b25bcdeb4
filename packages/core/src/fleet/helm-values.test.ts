import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { helmValuesKey, MAX_VALUES_BYTES, substituteValues } from './helm-values.js';
import { appsForCluster } from './render.js';
import { parseCluster, parseFleet, type Cluster } from './spec.js';

/** fleet.yaml with one app `web` whose targets are `targets` (YAML lines indented for the targets list). */
const fleetWith = (targets: string): string => `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: apps/web
      targets:
${targets}`;

const cluster = (name: string, labels: string, vars = ''): Cluster =>
  parseCluster(`apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { ${labels} } }\nspec: { vars: { ${vars} } }\n`, `clusters/${name}.yaml`);

const prod = cluster('eu-prod-1', 'env: prod, region: eu', 'tier: gold');

const THREE_TARGETS = `        - selector: { matchLabels: { env: prod } }
          overlay: apps/web/prod
          vars: { replicas: "3" }
          values: { replicaCount: 3, image: { tag: v1 } }
        - selector: { matchLabels: { region: eu } }
          vars: { replicas: "9" }
        - selector: {}
          values: { image: { tag: v2, pullPolicy: null }, cluster: "\${cluster.name}" }
`;

describe('appsForCluster values', () => {
  const cases: { name: string; targets: string; cluster: Cluster; values: unknown[] | undefined; source?: string; vars?: Record<string, string> }[] = [
    {
      name: 'every matching target in target order; overlay and vars from the first',
      targets: THREE_TARGETS,
      cluster: prod,
      values: [{ replicaCount: 3, image: { tag: 'v1' } }, { image: { tag: 'v2', pullPolicy: null }, cluster: 'eu-prod-1' }],
      source: 'apps/web/prod',
      vars: { tier: 'gold', replicas: '3' },
    },
    {
      name: 'only the targets that match',
      targets: THREE_TARGETS,
      cluster: cluster('us-dev-1', 'env: dev'),
      values: [{ image: { tag: 'v2', pullPolicy: null }, cluster: 'us-dev-1' }],
      source: 'apps/web',
      vars: {},
    },
    { name: 'a matching target without values adds none', targets: `        - selector: {}\n          vars: { a: b }\n`, cluster: prod, values: [] },
    { name: 'no target matches: no app', targets: `        - selector: { matchLabels: { env: dev } }\n          values: { a: 1 }\n`, cluster: prod, values: undefined },
    {
      name: 'substitution in nested mappings and sequences; keys untouched',
      targets: `        - selector: {}
          values:
            "\${cluster.name}": { env: [{ name: REGION, value: "\${cluster.labels.region}" }, [ "x-\${vars.tier}-y" ]] }
`,
      cluster: prod,
      values: [{ '${cluster.name}': { env: [{ name: 'REGION', value: 'eu' }, ['x-gold-y']] } }],
    },
    {
      name: '$${} is a literal; a string that is exactly one variable stays a string; numbers, booleans and null untouched',
      targets: `        - selector: {}
          vars: { count: "3", debug: "true" }
          values: { script: "echo $\${HOME}", count: "\${vars.count}", flag: "\${vars.debug}", num: 3, f: 1.5, t: true, disabled: no, nil: ~, octal: 0400 }
`,
      cluster: prod,
      values: [{ script: 'echo ${HOME}', count: '3', flag: 'true', num: 3, f: 1.5, t: true, disabled: false, nil: null, octal: 256 }],
    },
  ];
  it.each(cases)('$name', ({ targets, cluster: c, values, source, vars }) => {
    const inst = appsForCluster(parseFleet(fleetWith(targets)), c)[0];
    expect(inst?.values).toEqual(values);
    if (source !== undefined) expect(inst?.source).toBe(source);
    if (vars !== undefined) expect(inst?.vars).toEqual(vars);
  });

  it('an unknown variable names fleet.yaml, the line of the value, the app, target and path, and what the cluster has', () => {
    const fleet = parseFleet(
      fleetWith(`        - selector: {}
          values: { a: 1 }
        - selector: {}
          values:
            image:
              tags: [ok, "\${vars.tag}"]
`),
    );
    expect(() => appsForCluster(fleet, prod)).toThrow('fleet.yaml:13: app web: target 2 values.image.tags[1]: unknown variable ${vars.tag} for cluster eu-prod-1 (its vars are: tier)');
    const bad = parseFleet(fleetWith(`        - selector: {}\n          values: { a: "\${cluster.zone}" }\n`));
    expect(() => appsForCluster(bad, prod)).toThrow(
      'fleet.yaml:9: app web: target 1 values.a: unknown variable ${cluster.zone} for cluster eu-prod-1; use ${cluster.name}, ${cluster.labels.KEY} or ${vars.KEY}',
    );
  });

  it('values are shared by key whatever their key order', () => {
    const a = appsForCluster(parseFleet(fleetWith(`        - selector: {}\n          values: { a: 1, b: { c: x, d: [1, 2] } }\n`)), prod)[0];
    const b = appsForCluster(parseFleet(fleetWith(`        - selector: {}\n          values: { b: { d: [1, 2], c: x }, a: 1 }\n`)), prod)[0];
    const c = appsForCluster(parseFleet(fleetWith(`        - selector: {}\n          values: { b: { d: [2, 1], c: x }, a: 1 }\n`)), prod)[0];
    expect(helmValuesKey(a?.values ?? [])).toBe(helmValuesKey(b?.values ?? []));
    expect(helmValuesKey(a?.values ?? [])).not.toBe(helmValuesKey(c?.values ?? []));
    expect(helmValuesKey([{ a: 1 }, { b: 2 }])).not.toBe(helmValuesKey([{ b: 2 }, { a: 1 }]));
  });
});

describe('fleet.yaml values checks', () => {
  const nest = (depth: number): string => `${'{ a: '.repeat(depth)}1${' }'.repeat(depth)}`;
  const big = `"${'x'.repeat(MAX_VALUES_BYTES)}"`;
  const cases: { name: string; values: string; error: string | undefined }[] = [
    { name: 'a boolean key (YAML 1.1 yes)', values: `\n            ok: 1\n            yes: 2\n`, error: 'fleet.yaml:11: app web: target 1 values: key yes is not a string' },
    { name: 'a number key, nested', values: `\n            a: [{ b: { 80: http } }]\n`, error: 'fleet.yaml:10: app web: target 1 values: key 80 is not a string' },
    { name: 'a null key', values: ` { ~: 1 }\n`, error: 'fleet.yaml:9: app web: target 1 values: key ~ is not a string' },
    { name: 'a __proto__ key, nested (JavaScript would drop it)', values: `\n            a: { b: 1, __proto__: { polluted: 1 } }\n`, error: 'fleet.yaml:10: app web: target 1 values: key __proto__ is not allowed (JavaScript objects cannot hold it): rename it' },
    { name: 'quoted keys are strings', values: ` { "yes": 1, "80": 2, "~": 3 }\n`, error: undefined },
    { name: 'a merge key is allowed', values: `\n            <<: { a: 1 }\n            b: 2\n`, error: undefined },
    { name: '.nan', values: `\n            a: 1\n            b: .nan\n`, error: 'fleet.yaml:11: app web: target 1 values.b: NaN is not a JSON number' },
    { name: '32 levels deep', values: ` ${nest(32)}\n`, error: undefined },
    { name: '33 levels deep', values: ` ${nest(33)}\n`, error: `fleet.yaml:9: app web: target 1 values${'.a'.repeat(32)}: nested more than 32 levels deep` },
    { name: `more than ${MAX_VALUES_BYTES} bytes`, values: `\n            a: ${big}\n`, error: `fleet.yaml:9: app web: target 1 values: ${MAX_VALUES_BYTES + 8} bytes of JSON, more than the ${MAX_VALUES_BYTES} allowed per target` },
  ];
  it.each(cases)('$name', ({ values, error }) => {
    const parse = (): unknown => parseFleet(fleetWith(`        - selector: {}\n          values:${values}`));
    if (error === undefined) expect(parse).not.toThrow();
    else expect(parse).toThrow(error);
  });
});

describe('substituteValues', () => {
  const ctx = { clusterName: 'c', labels: { env: 'prod' }, vars: { v: '1' } };
  const fail = (): Error => new Error('unknown');
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value')), fc.dictionary(fc.string(), tie('value'))),
  })).value;

  it('is the identity (the same objects) when no string holds ${', () => {
    fc.assert(
      fc.property(json, (value) => {
        fc.pre(!JSON.stringify(value).includes('${'));
        expect(substituteValues(value, ctx, fail)).toBe(value);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
