import { applyFlagOverrides, FLAGS_CONFIGMAP_KEY, revisionRecordSchema, storeLayout, type KubeObject } from '@driftless/core';
import { MemoryObjectStore, MemoryRepository, VirtualClock } from '@driftless/fakes';
import { FlagdCore } from '@openfeature/flagd-core';
import { describe, expect, it } from 'vitest';
import { compileFleet, type CompiledFleet, type CompileMemo } from './compile.js';
import { createHub } from './hub.js';
import { clusterYaml, flagFleetYaml, WEB_MANIFEST } from './testing/flag-fleet.js';
import { noKustomize, unitHubDeps } from './testing/unit-hub.js';

const FLEET = flagFleetYaml({
  apps: `    - name: api
      path: apps/api
      namespace: api
      targets: [{ selector: { matchLabels: { region: eu } } }]
`,
  delivery: `  delivery:
    rings:
      - name: canary
        selector: { matchLabels: { ring: canary } }
      - name: rest
        selector: {}
`,
});
const CHECKOUT = `type: release
owner: team-checkout
expires: "2031-06-30"
variants: { "on": true, "off": false }
defaultVariant: "off"
rollout:
  - selector: { ring: canary }
    variant: "on"
  - selector: { matchLabels: { region: eu } }
    variant: "on"
namespaces: [shop, api]
`;
const BANNER = `type: permission
owner: web
variants: { red: red, blue: blue }
defaultVariant: red
rollout: [{ selector: { matchLabels: { region: eu } }, variant: blue }]
targeting: { if: [{ "==": [{ var: plan }, gold] }, blue, null] }
namespaces: [shop]
`;
/** Targeting that evaluates by sem_ver, then buckets the rest with fractional. */
const SEARCH = `type: experiment
owner: team-search
expires: "2031-06-30"
variants: { old: old, new: new, dark: dark }
defaultVariant: old
targeting:
  if:
    - sem_ver: [{ var: version }, ">=", "2.0.0"]
    - new
    - fractional: [[old, 50], [new, 50]]
namespaces: [shop]
`;
const FILES = {
  'fleet.yaml': FLEET,
  'apps/web/web.yaml': WEB_MANIFEST,
  'apps/api/api.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: api }\ndata: { a: b }\n',
  'clusters/can-1.yaml': clusterYaml('can-1', { ring: 'canary', region: 'us' }),
  'clusters/eu-1.yaml': clusterYaml('eu-1', { region: 'eu' }),
  'clusters/us-1.yaml': clusterYaml('us-1', { region: 'us' }),
  'clusters/us-2.yaml': clusterYaml('us-2', { region: 'us' }),
};
const NOW = Date.parse('2030-01-01T00:00:00Z');

async function compile(repo: MemoryRepository, opts: { memo?: CompileMemo; now?: number; allowExpiredFlags?: boolean } = {}): Promise<CompiledFleet> {
  const { reader } = await repo.sync({ repo: repo.url });
  return compileFleet(reader, { kustomize: noKustomize, now: NOW, ...opts });
}
const flagMaps = (c: CompiledFleet, name: string): KubeObject[] => (c.bundles.get(name)?.bundle.objects ?? []).filter((o) => o.metadata.name === 'driftless-flags');
const docOf = (c: CompiledFleet, name: string, ns: string): string => {
  const map = flagMaps(c, name).find((o) => o.metadata.namespace === ns) as { data: Record<string, string> } | undefined;
  return map?.data[FLAGS_CONFIGMAP_KEY] ?? '';
};

describe('compile with flags/*.yaml', () => {
  it('adds no ConfigMap and no flags to a fleet without flag files', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES);
    const compiled = await compile(repo);
    expect(flagMaps(compiled, 'us-1')).toEqual([]);
    expect(compiled.flags).toBeUndefined();
  });

  it('resolves every flag per cluster by ring and labels, and puts a ConfigMap in each listed namespace the cluster has', async () => {
    const repo = new MemoryRepository();
    repo.commit(FILES);
    const added = repo.commit({ 'flags/new-checkout.yaml': CHECKOUT, 'flags/banner.yaml': BANNER }, 'flags');
    const compiled = await compile(repo);
    const variants = Object.fromEntries([...(compiled.flags?.variantOf ?? [])].map(([c, m]) => [c, Object.fromEntries(m)]));
    expect(variants).toEqual({
      'can-1': { banner: 'red', 'new-checkout': 'on' },
      'eu-1': { banner: 'blue', 'new-checkout': 'on' },
      'us-1': { banner: 'red', 'new-checkout': 'off' },
      'us-2': { banner: 'red', 'new-checkout': 'off' },
    });
    expect(compiled.flags?.commitOf.get('banner')).toBe(added);
    expect(flagMaps(compiled, 'us-1').map((o) => o.metadata.namespace), 'us-1 has no app in api: an apply there would fail').toEqual(['shop']);
    expect(flagMaps(compiled, 'eu-1').map((o) => o.metadata.namespace)).toEqual(['api', 'shop']);
    expect(JSON.parse(docOf(compiled, 'eu-1', 'api'))).toEqual({
      flags: { 'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', metadata: { owner: 'team-checkout', type: 'release', expires: '2031-06-30', commit: added, gitVariant: 'on' } } },
    });
  });

  it('what the flagd evaluator reads in each cluster is the variant its ring and labels give it', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'flags/new-checkout.yaml': CHECKOUT, 'flags/banner.yaml': BANNER });
    const compiled = await compile(repo);
    const want = { 'can-1': ['on', 'red'], 'eu-1': ['on', 'blue'], 'us-1': ['off', 'red'] };
    for (const [name, [checkout, banner]] of Object.entries(want)) {
      const core = new FlagdCore();
      core.setConfigurations(docOf(compiled, name, 'shop'));
      expect(core.resolveBooleanEvaluation('new-checkout', false, {}).variant, name).toBe(checkout);
      expect(core.resolveStringEvaluation('banner', 'none', {}).variant, name).toBe(banner);
      expect(core.resolveStringEvaluation('banner', 'none', { plan: 'gold' }).value, `${name}: targeting kept`).toBe('blue');
    }
  });

  it('an overridden document gives the override\'s variant through fractional and sem_ver targeting in flagd, and Git\'s again once cleared', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'flags/search.yaml': SEARCH });
    const compiled = await compile(repo);
    const objects = compiled.bundles.get('us-1')?.bundle.objects ?? [];
    const evaluate = (objs: readonly KubeObject[], context: Record<string, string>) => {
      const map = objs.find((o) => o.metadata.name === 'driftless-flags' && o.metadata.namespace === 'shop') as { data: Record<string, string> } | undefined;
      const core = new FlagdCore();
      core.setConfigurations(map?.data[FLAGS_CONFIGMAP_KEY] ?? '');
      const got = core.resolveStringEvaluation('search', 'none', context);
      return `${got.variant}/${got.reason}`;
    };
    const contexts = [{ version: '2.1.0' }, { version: '1.0.0', targetingKey: 'user-1' }, { version: '1.0.0', targetingKey: 'user-2' }, {}];
    expect(contexts.map((c) => evaluate(objects, c)), 'Git: sem_ver, then fractional buckets').toEqual(['new/TARGETING_MATCH', 'new/TARGETING_MATCH', 'old/TARGETING_MATCH', 'old/DEFAULT']);
    const overridden = applyFlagOverrides(objects, new Map([['search', { variant: 'dark', actor: 'oncall', at: '2030-01-01T00:00:00.000Z', reason: 'incident' }]]));
    expect(contexts.map((c) => evaluate(overridden, c))).toEqual(['dark/TARGETING_MATCH', 'dark/TARGETING_MATCH', 'dark/TARGETING_MATCH', 'dark/TARGETING_MATCH']);
    const cleared = applyFlagOverrides(overridden, new Map());
    expect(contexts.map((c) => evaluate(cleared, c))).toEqual(contexts.map((c) => evaluate(objects, c)));
  });

  it('keeps a cluster unchanged across a commit that leaves the flags alone, and re-renders all on a flag change', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'flags/new-checkout.yaml': CHECKOUT });
    const first = await compile(repo);
    repo.commit({ 'README.md': 'hello\n' }, 'unrelated');
    const second = await compile(repo, { memo: first.memo });
    expect([...second.unchanged.keys()]).toEqual(['can-1', 'eu-1', 'us-1', 'us-2']);
    repo.commit({ 'flags/new-checkout.yaml': CHECKOUT.replace('defaultVariant: "off"', 'defaultVariant: "on"') }, 'on everywhere');
    const third = await compile(repo, { memo: second.memo });
    expect(third.unchanged.size).toBe(0);
    expect(JSON.parse(docOf(third, 'us-1', 'shop')).flags['new-checkout'].defaultVariant).toBe('on');
  });

  it('warns of a flag namespace on none of the clusters, also when every cluster is unchanged', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'flags/new-checkout.yaml': CHECKOUT.replace('[shop, api]', '[shop, api, billing]') });
    const first = await compile(repo);
    const warning = 'flags/new-checkout.yaml: flag new-checkout lists namespace billing, which no cluster has (no Namespace and no object in it): no cluster gets it there';
    expect(first.warnings).toEqual([warning]);
    expect(flagMaps(first, 'eu-1').map((o) => o.metadata.namespace)).toEqual(['api', 'shop']);
    repo.commit({ 'README.md': 'hello\n' }, 'unrelated');
    const second = await compile(repo, { memo: first.memo });
    expect(second.unchanged.size).toBe(4);
    expect(second.warnings).toEqual([warning]);
  });

  it('refuses a ring selector in a fleet without delivery, naming the file and line', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'fleet.yaml': FLEET.replace(/ {2}delivery:[\s\S]*$/, ''), 'flags/new-checkout.yaml': CHECKOUT });
    await expect(compile(repo)).rejects.toMatchObject({ code: 'InvalidDocument', message: expect.stringMatching(/^flags\/new-checkout.yaml:7: rollout.0.selector: ring canary is named but fleet.yaml has no spec.delivery/) });
  });

  it('refuses an expired temporary flag naming its file unless allowed, and warns of one expiring within 14 days', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'flags/new-checkout.yaml': CHECKOUT });
    const expired = Date.parse('2031-07-01T00:00:00Z');
    await expect(compile(repo, { now: expired })).rejects.toMatchObject({ code: 'InvalidDocument', message: expect.stringMatching(/^flags\/new-checkout.yaml:3: flag new-checkout \(release, owner team-checkout\) expired on 2031-06-30/) });
    const allowed = await compile(repo, { now: expired, allowExpiredFlags: true });
    expect(allowed.warnings).toEqual(['flags/new-checkout.yaml: flag new-checkout (release, owner team-checkout) expired on 2031-06-30 (compiled with --allow-expired-flags)']);
    const soon = await compile(repo, { now: Date.parse('2031-06-20T12:00:00Z') });
    expect(soon.warnings).toEqual(['flags/new-checkout.yaml: flag new-checkout (release, owner team-checkout) expires on 2031-06-30: remove it or move expires later']);
    expect((await compile(repo, { now: Date.parse('2031-06-01T00:00:00Z') })).warnings).toBeUndefined();
  });

  it('refuses a flag file in a subdirectory of flags/, naming its directory (it would be ignored)', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'flags/new-checkout.yaml': CHECKOUT, 'flags/team-a/banner.yaml': BANNER });
    await expect(compile(repo)).rejects.toMatchObject({ code: 'InvalidDocument', message: expect.stringMatching(/^flags\/team-a: .*flags\/<key>\.yaml/) });
  });

  it.each([
    ['2031-06-15T00:00:00Z', 'none'],
    ['2031-06-15T23:59:00Z', 'none'],
    ['2031-06-16T00:00:00Z', 'expiring'],
    ['2031-06-16T23:59:00Z', 'expiring'],
    ['2031-06-30T23:59:00Z', 'expiring'],
    ['2031-07-01T00:00:00Z', 'expired'],
  ])('counts calendar days to expires 2031-06-30 (14 days or less: expiring): at %s %s', async (at, want) => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'flags/new-checkout.yaml': CHECKOUT });
    const got = await compile(repo, { now: Date.parse(at), allowExpiredFlags: true });
    const warning = got.warnings?.[0] ?? '';
    expect(warning.includes('expired on') ? 'expired' : warning.includes('expires on') ? 'expiring' : 'none').toBe(want);
  });
});

describe('hub compile with flags/*.yaml', () => {
  it('writes each flag and every cluster\'s labels into the revision record (what driftless flags and flag set read)', async () => {
    const repo = new MemoryRepository();
    repo.commit({ ...FILES, 'flags/checkout.yaml': CHECKOUT, 'flags/banner.yaml': BANNER }, 'flags');
    const store = new MemoryObjectStore();
    const clock = new VirtualClock(NOW);
    const hub = createHub(unitHubDeps({ source: repo, store, clock, audit: { append: () => Promise.resolve() } }));
    const report = await hub.compile({ repo: repo.url });
    const got = await store.get(storeLayout.revision(report.revision));
    if (got.kind !== 'found') throw new Error('no revision record');
    const record = revisionRecordSchema.parse(JSON.parse(new TextDecoder().decode(got.body)));
    expect(record.labels?.['eu-1']).toEqual({ region: 'eu' });
    expect(record.flags?.['checkout']).toMatchObject({ type: 'release', owner: 'team-checkout', variantsByRing: { canary: ['on'], rest: ['off', 'on'] } });
    expect(record.flags?.['banner']?.variantsByRing).toEqual({ canary: ['red'], rest: ['blue', 'red'] });
  });
});
