import { posix } from 'node:path';
import { canonicalJson, compileError, DriftlessError, isDriftlessError, parseYamlDocuments, type AppInstance, type Fleet, type RepoReader, type SourceFile } from '@driftless/core';
import { settleAll } from '../settle-all.js';
import type { HelmRenderRequest, HelmRunner } from './helm-runner.js';
import { kustomizationIn } from './kustomize-refs.js';

/** The line of the fleet.yaml node at a path (`['spec', 'apps', 0, 'path']`), for errors found after parsing. */
export type FleetLineOf = (path: readonly PropertyKey[]) => number | undefined;

/** Lines of fleet.yaml's `text`; it is parsed again only when an error needs one (fleet.yaml already parsed once). */
export function fleetLineOf(text: string): FleetLineOf {
  let doc: ReturnType<typeof parseYamlDocuments>[number] | undefined;
  return (path) => {
    doc ??= parseYamlDocuments(text, 'fleet.yaml')[0];
    return doc?.keyLineAt(path);
  };
}

/** What {@link findCharts} needs. */
export interface ChartSearch {
  readonly reader: RepoReader;
  readonly fleet: Fleet;
  /** Every app source some cluster gets (each AppInstance's `source`). */
  readonly used: readonly AppInstance[];
  readonly lineOf: FleetLineOf;
  readonly helm: HelmRunner | undefined;
}

/**
 * The app sources that are Helm charts (their directory holds Chart.yaml),
 * among those some cluster gets and those a target with `values` names.
 * Refuses, naming fleet.yaml's line: a directory that is both a chart and a
 * kustomization, `values` on a target whose source is no chart, and a chart
 * when this hub has no helm. Every check runs before any error is reported,
 * and the first in fleet order is, so one broken repository always gives one message.
 */
export async function findCharts(search: ChartSearch): Promise<ReadonlySet<string>> {
  const { reader, fleet, lineOf } = search;
  const named = fleet.spec.apps.flatMap((app, i) => [
    { dir: app.path, app: app.name, at: ['spec', 'apps', i, 'path'] },
    ...app.targets.flatMap((t, j) => (t.overlay === undefined ? [] : [{ dir: t.overlay, app: app.name, at: ['spec', 'apps', i, 'targets', j, 'overlay'] }])),
  ]);
  const first = new Map<string, (typeof named)[number]>();
  for (const n of named) if (!first.has(n.dir)) first.set(n.dir, n);
  const isChart = new Map<string, boolean>();
  await settleAll(
    [...first.values()].map(async (n) => {
      isChart.set(n.dir, await isChartDir(reader, n.dir, () => `app ${n.app}`, lineOf(n.at)));
    }),
  );
  fleet.spec.apps.forEach((app, i) =>
    app.targets.forEach((t, j) => {
      const dir = t.overlay ?? app.path;
      if (t.values !== undefined && isChart.get(dir) !== true) {
        throw compileError('fleet.yaml', lineOf(['spec', 'apps', i, 'targets', j, 'values']), `app ${app.name}: values: only for Helm charts; ${dir} holds no Chart.yaml`);
      }
    }),
  );
  const charts = new Set(search.used.map((inst) => inst.source).filter((dir) => isChart.get(dir) === true));
  // A later target's values reach a cluster whose first matching target chose a plain overlay: they would be dropped unseen.
  const dropped = search.used.find((inst) => inst.values.length > 0 && !charts.has(inst.source));
  if (dropped) {
    const i = fleet.spec.apps.indexOf(dropped.app);
    const j = dropped.app.targets.findIndex((t) => t.values !== undefined);
    throw compileError(
      'fleet.yaml',
      lineOf(['spec', 'apps', i, 'targets', j, 'values']),
      `app ${dropped.app.name}: values reach clusters whose first matching target renders ${dropped.source}, which holds no Chart.yaml, so they would be ignored; give those clusters a chart overlay, or narrow the selector of the target with values`,
    );
  }
  const chartApp = search.used.find((inst) => charts.has(inst.source));
  if (chartApp && !search.helm) {
    const at = first.get(chartApp.source)?.at ?? [];
    throw compileError('fleet.yaml', lineOf(at), `app ${chartApp.app.name}: ${chartApp.source} is a Helm chart and this hub has no helm (pass --helm, npm run setup builds it)`);
  }
  checkReleaseNames(search, charts);
  return charts;
}

/** helm refuses longer release names; an app name (a DNS label) may be up to 63 characters. */
const MAX_RELEASE_NAME = 53;

/** Refuses, at its fleet.yaml line, the first chart app (in fleet order) whose name helm would refuse as a release name. */
function checkReleaseNames(search: ChartSearch, charts: ReadonlySet<string>): void {
  const long = new Set(search.used.filter((inst) => charts.has(inst.source) && inst.app.name.length > MAX_RELEASE_NAME).map((inst) => inst.app.name));
  const i = search.fleet.spec.apps.findIndex((app) => long.has(app.name));
  const app = search.fleet.spec.apps[i];
  if (!app) return;
  const dir = search.used.find((inst) => inst.app.name === app.name && charts.has(inst.source))?.source ?? app.path;
  throw compileError(
    'fleet.yaml',
    search.lineOf(['spec', 'apps', i, 'name']),
    `app ${app.name}: a Helm release name has at most ${MAX_RELEASE_NAME} characters; ${dir} is a chart, so the app name is its release name`,
  );
}

/**
 * Whether `dir` is a Helm chart: it holds Chart.yaml. A directory that also
 * holds a kustomization is refused (which one renders it would be a guess).
 * A missing directory is no chart; loading it says so.
 */
async function isChartDir(reader: RepoReader, dir: string, where: () => string, line: number | undefined): Promise<boolean> {
  const entry = await reader.stat(dir);
  if (entry?.type !== 'dir') return false;
  const chart = await reader.stat(posix.join(entry.path, 'Chart.yaml'));
  if (!chart || chart.type === 'dir') return false;
  const kustomization = await kustomizationIn(reader, entry.path);
  if (kustomization) {
    throw compileError('fleet.yaml', line, `${where()}: ${dir} holds both Chart.yaml (a Helm chart) and ${posix.basename(kustomization)} (a kustomization); keep one of them`);
  }
  return true;
}

/** The `helm template` run one cluster's instance of a chart app needs. */
export function helmRequest(inst: AppInstance): HelmRenderRequest {
  return { dir: inst.source, release: inst.app.name, namespace: inst.app.namespace ?? 'default', values: inst.values };
}

/**
 * What a chart rendering is shared by: clusters whose instances have equal
 * keys get the same `helm template` output (same chart, release, namespace,
 * and values list, whatever the key order of its mappings).
 */
export function chartRenderKey(inst: AppInstance): string {
  const req = helmRequest(inst);
  return `helm:${canonicalJson([req.dir, req.release, req.namespace, req.values])}`;
}

/**
 * Renders one chart instance with helm: the literal SourceFiles of its
 * templates. A refusal keeps its subject and says which app and clusters
 * asked (`who`, e.g. `for cluster dev-1 (and 2 more)`): a chart often fails
 * only for one environment's values.
 */
export async function loadChartSource(reader: RepoReader, helm: HelmRunner, inst: AppInstance, who: () => string): Promise<SourceFile[]> {
  try {
    return await helm(reader, helmRequest(inst));
  } catch (err) {
    if (!isDriftlessError(err, 'InvalidDocument')) throw err;
    const subject = err.data.subject;
    const message = err.message.startsWith(`${subject}: `) ? err.message.slice(subject.length + 2) : err.message;
    throw new DriftlessError('InvalidDocument', `${subject}: app ${inst.app.name} ${who()}: ${message}`, err.data, { cause: err });
  }
}
