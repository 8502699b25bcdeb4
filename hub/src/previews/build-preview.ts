import pLimit from 'p-limit';
import {
  assemblePreviewObjects,
  compileError,
  createRenderCache,
  decodeUtf8,
  DriftlessError,
  isDriftlessError,
  parseFleet,
  previewAppInstance,
  renderAppInstance,
  renderPreviewVars,
  type AppInstance,
  type Fleet,
  type KubeObject,
  type RepoReader,
  type SourceFile,
} from '@driftless/core';
import { DEFAULT_MAX_FILE_BYTES } from '../compile.js';
import { loadAppSource } from '../render/app-source.js';
import { chartRenderKey, fleetLineOf, findCharts, loadChartSource } from '../render/chart-source.js';
import { settleAll } from '../settle-all.js';
import type { BuildPreview, PreviewBuildOptions, PreviewBuildRequest } from './preview-types.js';

/**
 * Builds one branch's preview (see BuildPreview): every error, the
 * branch's compile errors included, is rethrown with its code and data as
 * `preview of branch <name> build failed: <file:line: …>`.
 */
export const buildPreview: BuildPreview = async (req, opts) => {
  try {
    return await build(req, opts);
  } catch (err) {
    if (!isDriftlessError(err)) throw err;
    throw new DriftlessError(err.code, `preview of branch ${req.branch} build failed: ${err.message}`, err.data, { cause: err });
  }
};

async function build(req: PreviewBuildRequest, opts: PreviewBuildOptions): Promise<ReadonlyMap<string, readonly KubeObject[]>> {
  const { reader, base } = req;
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const { fleet, text } = await readBranchFleet(reader, maxFileBytes);
  const appIndexes = base.spec.apps.map((name) => {
    const i = fleet.spec.apps.findIndex((a) => a.name === name);
    if (i < 0) throw compileError('fleet.yaml', undefined, `app ${name} is previewed (spec.previews.apps of ${base.branch}), but this branch's fleet.yaml does not define it`);
    return i;
  });
  const appNamespaces = new Map(appIndexes.flatMap((i) => {
    const app = fleet.spec.apps[i];
    return app?.namespace === undefined ? [] : [[app.name, app.namespace] as const];
  }));
  const instances = new Map(
    base.hosts.map((host) => {
      const vars = renderPreviewVars(base.spec.vars, { slug: req.slug, branch: req.branch, cluster: host.metadata.name });
      return [host.metadata.name, appIndexes.map((i) => previewAppInstance(fleet, i, host, vars, req.namespace))] as const;
    }),
  );
  const loaded = await loadSources(reader, fleet, text, [...instances.values()].flat(), { ...opts, maxFileBytes });
  const cache = createRenderCache();
  const out = new Map<string, readonly KubeObject[]>();
  for (const host of base.hosts) {
    const rendered = (instances.get(host.metadata.name) ?? []).flatMap((inst) =>
      renderAppInstance(loaded.get(inst) ?? [], inst, host, { allowPlainSecrets: opts.allowPlainSecrets ?? false }, cache),
    );
    out.set(host.metadata.name, assemblePreviewObjects(rendered, { namespace: req.namespace, slug: req.slug, branch: req.branch, appNamespaces, ...(req.base.spec.podSecurity ? { podSecurity: req.base.spec.podSecurity } : {}) }));
  }
  return out;
}

/** The branch's fleet.yaml, parsed as the compile parses it (errors with fleet.yaml:line). */
async function readBranchFleet(reader: RepoReader, maxFileBytes: number): Promise<{ fleet: Fleet; text: string }> {
  if (!(await reader.stat('fleet.yaml'))) throw compileError('fleet.yaml', undefined, `not found at the root of the repository at ${reader.commit.slice(0, 12)}`);
  const text = decodeUtf8(await reader.readFile('fleet.yaml', maxFileBytes), 'fleet.yaml');
  return { fleet: parseFleet(text), text };
}

/**
 * Each instance's manifests, loaded once per distinct source as the compile
 * loads them: a plain directory or kustomization once, a Helm chart once per
 * (chart, release, preview namespace, values). The first failure in
 * instance order is reported, after every load has settled.
 */
async function loadSources(
  reader: RepoReader,
  fleet: Fleet,
  fleetText: string,
  used: readonly AppInstance[],
  opts: PreviewBuildOptions & { readonly maxFileBytes: number },
): Promise<Map<AppInstance, SourceFile[]>> {
  const charts = await findCharts({ reader, fleet, used, lineOf: fleetLineOf(fleetText), helm: opts.helm });
  const keyOf = (inst: AppInstance): string => (charts.has(inst.source) ? chartRenderKey(inst) : inst.source);
  const limit = pLimit(4);
  const loads = new Map<string, Promise<SourceFile[]>>();
  for (const inst of used) {
    const key = keyOf(inst);
    if (loads.has(key)) continue;
    const helm = charts.has(inst.source) ? opts.helm : undefined;
    loads.set(key, limit(() => (helm ? loadChartSource(reader, helm, inst, () => 'in a preview') : loadAppSource(reader, inst.source, `app ${inst.app.name}`, opts.kustomize, opts.maxFileBytes))));
  }
  const settled = await settleAll(loads.values());
  const byKey = new Map([...loads.keys()].map((key, i) => [key, settled[i] ?? []]));
  return new Map(used.map((inst) => [inst, byKey.get(keyOf(inst)) ?? []]));
}
