import { isDriftlessError, type AppInstance, type FleetApp, type SourceFile } from '@driftless/core';
import { MemoryRepository } from '@driftless/fakes';
import { describe, expect, it } from 'vitest';
import { compileFleet, type CompiledFleet, type CompileMemo } from './compile.js';
import { chartRenderKey, helmRequest } from './render/chart-source.js';
import type { HelmRenderRequest, HelmRunner } from './render/helm-runner.js';
import { noKustomize } from './testing/unit-hub.js';

/**
 * A HelmRunner that renders nothing: it records each request and returns one
 * fixed literal template (a ConfigMap naming the release, with a `${...}` of
 * a shell script in it), so tests see how often and with what compile calls helm.
 */
function countingHelm(identity = 'helm@test'): HelmRunner & { requests: HelmRenderRequest[] } {
  const requests: HelmRenderRequest[] = [];
  const run = (_reader: unknown, req: HelmRenderRequest): Promise<SourceFile[]> => {
    requests.push(req);
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${req.release}-script }\ndata: { run.sh: "echo \${HOME}" }\n`;
    return Promise.resolve([{ path: `${req.dir}/templates/script.yaml`, text, literal: true }]);
  };
  return Object.assign(run, { requests, identity: () => Promise.resolve(identity) });
}

const app = (name: string, path: string, extra = ''): string => `    - name: ${name}\n      path: ${path}\n${extra}      targets: [{ selector: {} }]\n`;
const fleetOf = (apps: string): string => `apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n${apps}`;
const clusterFile = (name: string): string => `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { env: prod } }\n`;
const CHART = { 'apps/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n', 'apps/web/templates/script.yaml': 'kind: ConfigMap # never read by the counting runner\n' };
const PLAIN = { 'apps/config/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { cluster: "${cluster.name}" }\n' };
const TEN = Object.fromEntries(Array.from({ length: 10 }, (_v, i) => [`clusters/c${i}.yaml`, clusterFile(`c${i}`)]));

async function compile(files: Record<string, string>, opts: { helm?: HelmRunner; memo?: CompileMemo } = {}): Promise<CompiledFleet> {
  const repo = new MemoryRepository();
  repo.commit(files, 'fleet');
  const { reader } = await repo.sync({ repo: repo.url });
  return compileFleet(reader, { kustomize: noKustomize, ...opts });
}

const objectsOf = (c: CompiledFleet, cluster: string) =>
  (c.bundles.get(cluster)?.bundle.objects ?? []).map((o) => [o.kind, o.metadata.namespace, o.metadata.name, o['data']]);

describe('compile with Helm chart apps', () => {
  it('renders a chart once for ten clusters, next to a plain app, and keeps ${...} in its templates as helm printed them', async () => {
    const helm = countingHelm();
    const compiled = await compile({ 'fleet.yaml': fleetOf(app('config', 'apps/config') + app('web', 'apps/web', '      namespace: web\n')), ...PLAIN, ...CHART, ...TEN }, { helm });
    expect(helm.requests.map((r) => [r.dir, r.release, r.namespace])).toEqual([['apps/web', 'web', 'web']]);
    expect(compiled.bundles.size).toBe(10);
    expect(objectsOf(compiled, 'c7')).toEqual([
      ['ConfigMap', 'default', 'settings', { cluster: 'c7' }],
      ['ConfigMap', 'web', 'web-script', { 'run.sh': 'echo ${HOME}' }],
    ]);
  });

  it('renders once per release and namespace when two apps use one chart', async () => {
    const helm = countingHelm();
    const apps = app('web', 'apps/web', '      namespace: web\n') + app('web-canary', 'apps/web');
    const compiled = await compile({ 'fleet.yaml': fleetOf(apps), ...CHART, ...TEN }, { helm });
    expect(helm.requests.map((r) => [r.dir, r.release, r.namespace]).sort()).toEqual([['apps/web', 'web', 'web'], ['apps/web', 'web-canary', 'default']]);
    expect(objectsOf(compiled, 'c0').map((o) => o.slice(0, 3))).toEqual([['ConfigMap', 'default', 'web-canary-script'], ['ConfigMap', 'web', 'web-script']]);
  });

  it('renders a changed helm anew, but an unchanged one not, and a fleet without charts never minds helm', async () => {
    const files = { 'fleet.yaml': fleetOf(app('config', 'apps/config') + app('web', 'apps/web')), ...PLAIN, ...CHART, ...TEN };
    const first = await compile(files, { helm: countingHelm('helm@4.3.1') });
    expect((await compile(files, { helm: countingHelm('helm@4.3.1'), memo: first.memo })).unchanged.size).toBe(10);
    const other = countingHelm('helm@4.4.0');
    expect((await compile(files, { helm: other, memo: first.memo })).unchanged.size, 'another helm renders every chart again').toBe(0);
    expect(other.requests).toHaveLength(1);
    const plain = { 'fleet.yaml': fleetOf(app('config', 'apps/config')), ...PLAIN, ...TEN };
    const before = await compile(plain, { helm: countingHelm('helm@4.3.1') });
    expect((await compile(plain, { helm: countingHelm('helm@4.4.0'), memo: before.memo })).unchanged.size).toBe(10);
  });

  it('renders a chart again when only its vendored subchart archive changes', async () => {
    const files = { 'fleet.yaml': fleetOf(app('web', 'apps/web')), ...CHART, 'apps/web/charts/cache-0.1.0.tgz': 'archive v1', ...TEN };
    const first = await compile(files, { helm: countingHelm() });
    const helm = countingHelm();
    const again = await compile({ ...files, 'apps/web/charts/cache-0.1.0.tgz': 'archive v2' }, { helm, memo: first.memo });
    expect([again.unchanged.size, helm.requests.length]).toEqual([0, 1]);
  });

  it('renders a chart again when a file in a subdirectory of it changes', async () => {
    const files = { 'fleet.yaml': fleetOf(app('web', 'apps/web')), ...CHART, ...TEN };
    const first = await compile(files, { helm: countingHelm() });
    const helm = countingHelm();
    const again = await compile({ ...files, 'apps/web/templates/script.yaml': 'kind: Changed\n' }, { helm, memo: first.memo });
    expect([again.unchanged.size, helm.requests.length]).toEqual([0, 1]);
  });
});

describe('compile refuses a wrong Helm app, naming fleet.yaml and the line', () => {
  async function refusal(files: Record<string, string>, withHelm = true): Promise<string> {
    const err = await compile({ ...files, ...TEN }, withHelm ? { helm: countingHelm() } : {}).catch((e: unknown) => e);
    expect(isDriftlessError(err, 'InvalidDocument'), String(err)).toBe(true);
    return (err as Error).message;
  }

  it('refuses a directory that is both a chart and a kustomization', async () => {
    const fleet = fleetOf(app('web', 'apps/web'));
    expect(await refusal({ 'fleet.yaml': fleet, ...CHART, 'apps/web/kustomization.yaml': 'resources: []\n' })).toBe(
      'fleet.yaml:6: app web: apps/web holds both Chart.yaml (a Helm chart) and kustomization.yaml (a kustomization); keep one of them',
    );
  });

  it('refuses values on a target whose source holds no Chart.yaml, at the line of those values', async () => {
    const fleet = fleetOf(`    - name: config\n      path: apps/config\n      targets:\n        - selector: {}\n        - selector: { matchLabels: { env: prod } }\n          values: { replicas: 2 }\n`);
    expect(await refusal({ 'fleet.yaml': fleet, ...PLAIN })).toBe('fleet.yaml:10: app config: values: only for Helm charts; apps/config holds no Chart.yaml');
  });

  it('refuses values that reach clusters whose first matching target renders a plain overlay (they would be ignored)', async () => {
    const targets = `        - selector: {}\n          overlay: apps/config\n        - selector: {}\n          values: { replicas: 2 }\n`;
    const fleet = fleetOf(`    - name: web\n      path: apps/web\n      targets:\n${targets}`);
    expect(await refusal({ 'fleet.yaml': fleet, ...CHART, ...PLAIN })).toMatch(/^fleet\.yaml:11: app web: values reach clusters whose first matching target renders apps\/config, which holds no Chart\.yaml/);
  });

  it('refuses a chart app whose name is longer than a Helm release name may be', async () => {
    const name = `web-${'x'.repeat(56)}`;
    expect(await refusal({ 'fleet.yaml': fleetOf(app('config', 'apps/config') + app(name, 'apps/web')), ...PLAIN, ...CHART })).toBe(
      `fleet.yaml:8: app ${name}: a Helm release name has at most 53 characters; apps/web is a chart, so the app name is its release name`,
    );
  });

  it('refuses a chart app in a hub without helm', async () => {
    const fleet = fleetOf(app('config', 'apps/config') + app('web', 'apps/web'));
    expect(await refusal({ 'fleet.yaml': fleet, ...PLAIN, ...CHART }, false)).toBe(
      'fleet.yaml:9: app web: apps/web is a Helm chart and this hub has no helm (pass --helm, npm run setup builds it)',
    );
  });
});

describe('chart renderings shared between clusters', () => {
  const web: FleetApp = { name: 'web', path: 'apps/web', namespace: 'web', targets: [{ selector: {} }], stateful: false };
  const inst = (values: Record<string, unknown>[]): AppInstance => ({ app: web, source: 'apps/web', vars: {}, values });

  it('asks helm for the app as release, its namespace, and every matching target values in target order', () => {
    expect(helmRequest(inst([{ a: 1 }, { a: null, b: 'eu' }]))).toEqual({ dir: 'apps/web', release: 'web', namespace: 'web', values: [{ a: 1 }, { a: null, b: 'eu' }] });
    expect(helmRequest({ app: { ...web, namespace: undefined }, source: 'apps/web/prod', vars: {}, values: [] })).toEqual({ dir: 'apps/web/prod', release: 'web', namespace: 'default', values: [] });
  });

  it('gives ten clusters with three distinct value sets three renderings, whatever the key order, but not whatever the target order', () => {
    const sets = [[{ size: 'S', zone: { a: 1, b: 2 } }], [{ zone: { b: 2, a: 1 }, size: 'S' }], [{ size: 'M' }], [{ size: 'L' }, { size: 'M' }], [{ size: 'M' }, { size: 'L' }]];
    const keys = Array.from({ length: 10 }, (_v, i) => chartRenderKey(inst(sets[i % 4] ?? [])));
    expect(new Set(keys).size).toBe(3);
    expect(chartRenderKey(inst(sets[0] ?? []))).toBe(chartRenderKey(inst(sets[1] ?? [])));
    expect(chartRenderKey(inst(sets[3] ?? []))).not.toBe(chartRenderKey(inst(sets[4] ?? [])));
  });
});
