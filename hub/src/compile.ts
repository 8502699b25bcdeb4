import pLimit from 'p-limit';
import {
  appsForCluster,
  assembleClusterObjects,
  compileError,
  DEFAULT_BUNDLE_LIMITS,
  encodeBundle,
  parseCluster,
  parseFleet,
  referencedVariables,
  renderAppInstance,
  resolveVariable,
  type AppInstance,
  type BundleLimits,
  type Cluster,
  type EncodedBundle,
  type RenderedObject,
  type RepoReader,
  type SourceFile,
} from '@driftless/core';
import { loadAppSource } from './render/app-source.js';
import type { KustomizeRunner } from './render/kustomize.js';

export interface CompileOptions {
  readonly kustomize: KustomizeRunner;
  /** Accept plain Secrets with data (`--allow-plain-secrets`). */
  readonly allowPlainSecrets?: boolean;
  /** Largest manifest or cluster file read from the repository, bytes. Default 1 MiB. */
  readonly maxFileBytes?: number;
  readonly bundleLimits?: BundleLimits;
}

/** What one commit compiles to: every cluster's bundle, by cluster name (sorted). */
export interface CompiledFleet {
  readonly revision: string;
  readonly bundles: ReadonlyMap<string, EncodedBundle>;
}

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * Compiles one commit of a fleet repository: reads and validates `fleet.yaml`
 * and `clusters/*.yaml`, loads each app source once (plain directory or
 * kustomize build), renders it per cluster with that cluster's variables (a
 * rendering is reused for every cluster whose referenced variables have the
 * same values), assembles each cluster's objects and encodes its bundle. Any
 * error in any file stops the whole compile before anything is published.
 */
export async function compileFleet(reader: RepoReader, opts: CompileOptions): Promise<CompiledFleet> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const readText = async (path: string): Promise<string> => new TextDecoder().decode(await reader.readFile(path, maxFileBytes));
  if (!(await reader.stat('fleet.yaml'))) {
    throw compileError('fleet.yaml', undefined, `not found at the root of the repository at ${reader.commit.slice(0, 12)}`);
  }
  const fleet = parseFleet(await readText('fleet.yaml'));
  const clusters = await readClusters(reader, readText);

  const instances = new Map(clusters.map((c) => [c.metadata.name, appsForCluster(fleet, c)]));
  const sources = new Map<string, Promise<SourceFile[]>>();
  const limit = pLimit(4);
  for (const inst of [...instances.values()].flat()) {
    if (!sources.has(inst.source)) {
      sources.set(inst.source, limit(() => loadAppSource(reader, inst.source, `app ${inst.app.name}`, opts.kustomize, maxFileBytes)));
    }
  }
  // Wait for every load, then report the first failure in fleet order: the same
  // broken repository always gives the same message.
  const settled = await Promise.allSettled(sources.values());
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const loaded = new Map([...sources.keys()].map((source, i) => [source, (settled[i] as PromiseFulfilledResult<SourceFile[]>).value]));
  const variablesOf = new Map([...loaded].map(([source, files]) => [source, [...new Set(files.flatMap((f) => referencedVariables(f.text)))]]));

  const renders = new Map<string, RenderedObject[]>();
  const render = (inst: AppInstance, cluster: Cluster): RenderedObject[] => {
    const ctx = { clusterName: cluster.metadata.name, labels: cluster.metadata.labels, vars: inst.vars };
    const values = (variablesOf.get(inst.source) ?? []).map((v) => resolveVariable(v, ctx) ?? '\u0000missing');
    const key = JSON.stringify([inst.app.name, inst.source, values]);
    let hit = renders.get(key);
    if (!hit) {
      hit = renderAppInstance(loaded.get(inst.source) ?? [], inst, cluster, { allowPlainSecrets: opts.allowPlainSecrets ?? false });
      renders.set(key, hit);
    }
    return hit;
  };

  const bundles = new Map<string, EncodedBundle>();
  for (const cluster of clusters) {
    const rendered = (instances.get(cluster.metadata.name) ?? []).flatMap((inst) => render(inst, cluster));
    bundles.set(cluster.metadata.name, encodeBundle(assembleClusterObjects(rendered), opts.bundleLimits ?? DEFAULT_BUNDLE_LIMITS));
  }
  return { revision: reader.commit, bundles };
}

async function readClusters(reader: RepoReader, readText: (path: string) => Promise<string>): Promise<Cluster[]> {
  const files = (await reader.list('clusters')).filter((e) => /\.ya?ml$/.test(e.path) && e.type !== 'dir');
  const byName = new Map<string, string>();
  const out: Cluster[] = [];
  for (const f of files) {
    const cluster = parseCluster(await readText(f.path), f.path);
    const other = byName.get(cluster.metadata.name);
    if (other) throw compileError(f.path, undefined, `cluster ${cluster.metadata.name} is also defined in ${other}`);
    byName.set(cluster.metadata.name, f.path);
    out.push(cluster);
  }
  return out.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}
