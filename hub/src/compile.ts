import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import pLimit, { type LimitFunction } from 'p-limit';
import {
  appsForCluster,
  assembleClusterObjects,
  assignRings,
  canonicalBytes,
  checkLabelKeys,
  compareRefs,
  compileError,
  decodeUtf8,
  DEFAULT_BUNDLE_LIMITS,
  DriftlessError,
  isDriftlessError,
  encodeValidatedBundle,
  bundleNamespaces,
  flagConfigMaps,
  FLAGS_CONFIGMAP_NAME,
  parseCluster,
  parseFleet,
  createRenderCache,
  refOf,
  renderAppInstance,
  resolveDeliveryPlan,
  type AppInstance,
  type BundleLimits,
  type Digest,
  type Cluster,
  type DeliveryPlan,
  type EncodedBundle,
  type FlagDefinition,
  type KubeObject,
  type PlacementCache,
  type RenderedObject,
  type RepoReader,
  type SourceFile,
} from '@driftless/core';
import { flagsMemo, readFlags, type CompiledFlags, type FlagsMemo } from './compile-flags.js';
import { loadAppSource, sourceFingerprint } from './render/app-source.js';
import { chartRenderKey, fleetLineOf, findCharts, loadChartSource } from './render/chart-source.js';
import type { HelmRunner } from './render/helm-runner.js';
import type { KustomizeRunner } from './render/kustomize.js';
import { previewBaseOf } from './previews/preview-base.js';
import type { PreviewBase } from './previews/preview-types.js';
import { settleAll } from './settle-all.js';

export interface CompileOptions {
  readonly kustomize: KustomizeRunner;
  /** Renders Helm charts; absent, an app whose source holds Chart.yaml is a compile error (pass --helm). */
  readonly helm?: HelmRunner;
  /** Accept plain Secrets with data (`--allow-plain-secrets`). */
  readonly allowPlainSecrets?: boolean;
  /** Largest manifest or cluster file read from the repository, bytes. Default 1 MiB. */
  readonly maxFileBytes?: number;
  readonly bundleLimits?: BundleLimits;
  /** The previous compile's memo (from validated hub state): unchanged clusters are skipped. */
  readonly memo?: CompileMemo;
  /**
   * Compile one cluster only, from `clusters/<name>.yaml` (or `.yml`), without
   * reading the other cluster files: what a cluster rendering its own desired
   * state from Git does (the bench's git mode). Default: every cluster.
   */
  readonly onlyCluster?: string;
  /** The compile's clock, ms since the epoch: judges flag expiry. Default: the wall clock. */
  readonly now?: number;
  /** Compile an expired temporary flag (`--allow-expired-flags`); it is still warned about. */
  readonly allowExpiredFlags?: boolean;
}

/** What one commit compiles to: every cluster's bundle, by cluster name (sorted). */
export interface CompiledFleet {
  readonly revision: string;
  /** Bundles of the clusters that were rendered (all of them, unless a memo let some be skipped). */
  readonly bundles: ReadonlyMap<string, EncodedBundle>;
  /** Clusters whose inputs are unchanged since the memo: their digest, not re-rendered. */
  readonly unchanged: ReadonlyMap<string, Digest>;
  /** What lets the next compile skip clusters whose inputs did not change. */
  readonly memo: CompileMemo;
  /** `spec.delivery`, when fleet.yaml has it: the plan and every cluster's ring. */
  readonly delivery?: CompiledDelivery;
  /** Problems worth saying that do not stop the compile (a ring that matches no cluster, a flag about to expire). */
  readonly warnings?: readonly string[];
  /** `flags/*.yaml`, when the repository has any: definitions, every cluster's variants, each file's last-change commit. */
  readonly flags?: CompiledFlags;
  /** Every compiled cluster's labels as this commit's cluster files give them: what flag override selectors match. */
  readonly labels?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /**
   * `spec.previews` (undefined when fleet.yaml has none: a removal-only
   * base), the hosts it selects among this commit's cluster files, the
   * release namespaces and the digest of what a preview build reads (see
   * previewBaseOf). Absent with `onlyCluster`, which reads one cluster file only.
   */
  readonly previewBase?: Omit<PreviewBase, 'branch'>;
}

/** What a compile resolved of `spec.delivery` (issue 12). */
export interface CompiledDelivery {
  readonly plan: DeliveryPlan;
  /** Every cluster's ring: index into plan.rings. */
  readonly ringOf: ReadonlyMap<string, number>;
  /**
   * Per cluster that gets an app with `stateful: true`: sha256 hex of the
   * canonical JSON of its objects of stateful apps (what a revert must not undo).
   */
  readonly statefulKeys: ReadonlyMap<string, string>;
  /**
   * Per cluster that has any: its labels that the plan's check queries name
   * (`${cluster.labels.KEY}`), what the release records for the rollout to
   * substitute. Empty when no check names a label (compile always sets it).
   */
  readonly labels?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/**
 * Kept between compiles (the hub's local state): each cluster's input
 * fingerprint and digest, and parsed cluster files by blob id. A cluster whose
 * fingerprint (fleet.yaml, its cluster file, and every file of every app source
 * it gets, by git object id, plus the compile options and this format) is
 * unchanged has an unchanged bundle, so it is not rendered again.
 */
export interface CompileMemo {
  readonly clusters: Readonly<Record<string, MemoCluster>>;
  readonly clusterFiles: Readonly<Record<string, Cluster>>;
  /** The compiled commit and its flag files' last changes: the next compile walks history back to that commit only. */
  readonly flags?: FlagsMemo;
}

/** What a compile remembers of one cluster. */
export interface MemoCluster {
  readonly fingerprint: string;
  readonly digest: Digest;
  /** Its stateful key (see CompiledDelivery.statefulKeys), when the fleet has delivery and the cluster gets a stateful app. */
  readonly statefulKey?: string;
  /** The namespaces its bundle has a flags ConfigMap in (the flag files are in the fingerprint, so this stays true while it does). */
  readonly flagNamespaces?: readonly string[];
  /**
   * The canonical key (overridesKey) of the flag overrides applied to its
   * bundle, when any were: `digest` is then the overridden bundle, and a
   * later compile that finds the cluster unchanged under the same overrides
   * reuses it without reading the bundle.
   */
  readonly overridesKey?: string;
}

/**
 * Bump when rendering changes, so that memos of older versions are not
 * trusted (the package version is in the key too, but is not bumped per
 * change). 3: a bundle holding unplaced objects is apiVersion v1alpha2.
 * 4: a cluster's record carries its stateful key. 5: bundles carry the flags ConfigMaps.
 * 6: only in namespaces the cluster has, and its record lists them.
 * 7: a cluster's record carries the key of the overrides its digest has applied;
 * a flag whose history is not at hand has `blob:<oid>` as its commit.
 * 8: Helm charts; the helm binary's identity is in the options key.
 */
const MEMO_FORMAT = 'driftless-compile-8';
const DRIFTLESS_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * Compiles one commit of a fleet repository: reads and validates `fleet.yaml`
 * and `clusters/*.yaml`, loads each app source once (plain directory or
 * kustomize build), renders it per cluster with that cluster's variables (each
 * document is parsed once per distinct value of the variables it uses), assembles each cluster's objects and encodes its bundle. Any
 * error in any file stops the whole compile before anything is published.
 */
export async function compileFleet(reader: RepoReader, opts: CompileOptions): Promise<CompiledFleet> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const readText = async (path: string): Promise<string> => decodeUtf8(await reader.readFile(path, maxFileBytes), path);
  const fleetEntry = await reader.stat('fleet.yaml');
  if (!fleetEntry) throw compileError('fleet.yaml', undefined, `not found at the root of the repository at ${reader.commit.slice(0, 12)}`);
  const fleetText = await readText('fleet.yaml');
  const fleet = parseFleet(fleetText);
  const memo = opts.memo;
  const { clusters, fileOids, parsed } = await readClusters(reader, readText, memo?.clusterFiles ?? {}, opts.onlyCluster);
  const rings = assignRings(fleet, clusters);
  const instances = new Map(clusters.map((c) => [c.metadata.name, appsForCluster(fleet, c)]));
  const flags = await readFlags({ reader, readText, fleet, clusters, rings, now: opts.now ?? Date.now(), allowExpired: opts.allowExpiredFlags ?? false, ...(memo?.flags ? { known: memo.flags } : {}) });
  const charts = await findCharts({ reader, fleet, used: [...instances.values()].flat(), lineOf: fleetLineOf(fleetText), helm: opts.helm });
  // A chart's renderings differ by release, namespace and values; other sources render once.
  const loadKey = (inst: AppInstance): string => (charts.has(inst.source) ? chartRenderKey(inst) : inst.source);
  const limit = pLimit(4);
  const fingerprints = await clusterFingerprints(reader, instances, { ...opts, maxFileBytes, limit, fleetOid: fleetEntry.oid, fileOids, flagsKey: flags?.fingerprint ?? '', helmKey: charts.size === 0 ? '' : ((await opts.helm?.identity?.()) ?? 'helm') });
  const unchanged = new Map<string, Digest>();
  for (const [name, fp] of fingerprints) {
    const before = memo?.clusters[name];
    if (before?.fingerprint === fp) unchanged.set(name, before.digest);
  }

  const toRender = clusters.filter((c) => !unchanged.has(c.metadata.name));
  const sources = new Map<string, Promise<SourceFile[]>>();
  // Which clusters share each loading: a chart error names the first and how many more.
  const sharedBy = new Map<string, { first: string; more: number }>();
  for (const c of toRender) {
    for (const inst of instances.get(c.metadata.name) ?? []) {
      const key = loadKey(inst);
      const shared = sharedBy.get(key);
      if (shared) {
        shared.more++;
        continue;
      }
      const who = { first: c.metadata.name, more: 0 };
      sharedBy.set(key, who);
      const helm = charts.has(inst.source) ? opts.helm : undefined;
      const clusters = (): string => `for cluster ${who.first}${who.more > 0 ? ` (and ${who.more} more)` : ''}`;
      sources.set(key, limit(() => (helm ? loadChartSource(reader, helm, inst, clusters) : loadAppSource(reader, inst.source, `app ${inst.app.name}`, opts.kustomize, maxFileBytes))));
    }
  }
  // Wait for every load, then report the first failure in fleet order: the same
  // broken repository always gives the same message.
  const settled = await settleAll(sources.values());
  const loaded = new Map([...sources.keys()].map((source, i) => [source, settled[i] ?? []]));
  const { bundles, statefulKeys, flagNamespaces } = renderBundles(toRender, instances, loaded, { ...opts, loadKey, statefulKeys: rings !== undefined, ...(flags ? { flags } : {}) });
  // A cluster skipped as unchanged keeps the stateful key its last rendering had.
  for (const name of unchanged.keys()) {
    const key = memo?.clusters[name]?.statefulKey;
    if (key !== undefined) statefulKeys.set(name, key);
    const namespaces = memo?.clusters[name]?.flagNamespaces;
    if (namespaces !== undefined) flagNamespaces.set(name, namespaces);
  }
  const memoOut: CompileMemo = {
    clusters: Object.fromEntries(
      clusters.map((c) => {
        const name = c.metadata.name;
        const key = statefulKeys.get(name);
        const namespaces = flagNamespaces.get(name);
        // An unchanged cluster's digest is the one published, overrides applied: say which.
        const overridesKey = unchanged.has(name) ? memo?.clusters[name]?.overridesKey : undefined;
        const record: MemoCluster = {
          fingerprint: fingerprints.get(name) ?? '',
          digest: unchanged.get(name) ?? (bundles.get(name)?.digest as Digest),
          ...(key === undefined ? {} : { statefulKey: key }),
          ...(namespaces === undefined || namespaces.length === 0 ? {} : { flagNamespaces: namespaces }),
          ...(overridesKey === undefined ? {} : { overridesKey }),
        };
        return [name, record];
      }),
    ),
    clusterFiles: parsed,
    ...(flags ? { flags: flagsMemo(reader.commit, flags) } : {}),
  };
  // With one cluster read, a namespace on none of them means nothing.
  const flagWarnings = [...(flags?.warnings ?? []), ...(flags && opts.onlyCluster === undefined ? unplacedFlagNamespaces(flags.definitions, flagNamespaces) : [])];
  // Every cluster file is parsed or memoised, so the hosts are complete even when the memo skipped clusters.
  const previewBase = opts.onlyCluster === undefined ? previewBaseOf(reader.commit, fleet, clusters) : undefined;
  const compiled: CompiledFleet = { revision: reader.commit, bundles, unchanged, memo: memoOut, labels: flags?.labels ?? new Map(clusters.map((c) => [c.metadata.name, c.metadata.labels])), ...(flags ? { flags } : {}), ...(flagWarnings.length > 0 ? { warnings: flagWarnings } : {}), ...(previewBase ? { previewBase } : {}) };
  if (!rings || !fleet.spec.delivery) return compiled;
  const plan = resolveDeliveryPlan(fleet.spec.delivery);
  const delivery: CompiledDelivery = { plan, ringOf: rings.ringOf, statefulKeys, labels: checkLabelsOf(clusters, checkLabelKeys(plan.checks)) };
  // With one cluster read, every other ring looks empty: no warning means anything then.
  const warnings = [...(opts.onlyCluster === undefined ? rings.warnings : []), ...flagWarnings];
  return { ...compiled, delivery, ...(warnings.length > 0 ? { warnings } : {}) };
}

/** Each cluster's labels among `keys`, for the clusters that have any of them. */
function checkLabelsOf(clusters: readonly Cluster[], keys: readonly string[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const c of clusters) {
    const labels = Object.fromEntries(keys.filter((k) => Object.hasOwn(c.metadata.labels, k)).map((k) => [k, c.metadata.labels[k] ?? '']));
    if (Object.keys(labels).length > 0) out.set(c.metadata.name, labels);
  }
  return out;
}

/**
 * Each cluster's input fingerprint: the compile options and this format,
 * fleet.yaml's and its cluster file's object ids, the fingerprint of
 * every app source it gets (each source fingerprinted once), and the flag
 * files' (object ids and last-change commits: a flag's variant per cluster
 * follows from them, fleet.yaml and the cluster file).
 */
async function clusterFingerprints(
  reader: RepoReader,
  instances: ReadonlyMap<string, readonly AppInstance[]>,
  opts: CompileOptions & { maxFileBytes: number; limit: LimitFunction; fleetOid: string; fileOids: ReadonlyMap<string, string>; flagsKey: string; helmKey: string },
): Promise<Map<string, string>> {
  const sourceNames = [...new Set([...instances.values()].flat().map((i) => i.source))];
  const ofSources = new Map<string, string>();
  await Promise.all(sourceNames.map((source) => opts.limit(async () => ofSources.set(source, await sourceFingerprint(reader, source, opts.maxFileBytes)))));
  const optionsKey = JSON.stringify([
    MEMO_FORMAT,
    DRIFTLESS_VERSION,
    (await opts.kustomize.identity?.()) ?? 'kustomize',
    opts.helmKey,
    opts.allowPlainSecrets ?? false,
    opts.bundleLimits ?? DEFAULT_BUNDLE_LIMITS,
    opts.maxFileBytes,
  ]);
  const out = new Map<string, string>();
  for (const [name, insts] of instances) {
    const inputs = insts.map((i) => [i.app.name, i.source, ofSources.get(i.source)]);
    out.set(name, createHash('sha256').update(JSON.stringify([optionsKey, opts.fleetOid, opts.fileOids.get(name), inputs, opts.flagsKey])).digest('hex'));
  }
  return out;
}

/**
 * Renders and encodes the bundle of each cluster in `toRender` from the
 * loaded app sources; with `statefulKeys`, also the stateful key of each that
 * gets a stateful app.
 */
function renderBundles(
  toRender: readonly Cluster[],
  instances: ReadonlyMap<string, readonly AppInstance[]>,
  loaded: ReadonlyMap<string, SourceFile[]>,
  opts: CompileOptions & { readonly loadKey: (inst: AppInstance) => string; readonly statefulKeys: boolean; readonly flags?: CompiledFlags },
): { bundles: Map<string, EncodedBundle>; statefulKeys: Map<string, string>; flagNamespaces: Map<string, readonly string[]> } {
  const cache = createRenderCache();
  const render = (inst: AppInstance, cluster: Cluster): RenderedObject[] =>
    renderAppInstance(loaded.get(opts.loadKey(inst)) ?? [], inst, cluster, { allowPlainSecrets: opts.allowPlainSecrets ?? false }, cache);
  const bundles = new Map<string, EncodedBundle>();
  const statefulKeys = new Map<string, string>();
  const flagNamespaces = new Map<string, readonly string[]>();
  const placements: PlacementCache = new WeakMap();
  const canonical = new WeakMap<object, Uint8Array>();
  for (const cluster of toRender) {
    const rendered = (instances.get(cluster.metadata.name) ?? []).flatMap((inst) => render(inst, cluster));
    const assembled = assembleClusterObjects(rendered, placements);
    // Without flags there are no flag ConfigMaps: the namespaces are not worth listing.
    const maps = opts.flags ? flagObjects(cluster.metadata.name, rendered, bundleNamespaces(assembled), opts.flags) : [];
    flagNamespaces.set(cluster.metadata.name, maps.map((m) => m.metadata.namespace ?? ''));
    const objects = [...assembled, ...maps];
    bundles.set(cluster.metadata.name, encodeFor(cluster.metadata.name, () => encodeValidatedBundle(objects, canonical, opts.bundleLimits ?? DEFAULT_BUNDLE_LIMITS)));
    if (opts.statefulKeys && instances.get(cluster.metadata.name)?.some((i) => i.app.stateful)) {
      // assembleClusterObjects keeps the order of `rendered`, one placed object each.
      statefulKeys.set(cluster.metadata.name, statefulKeyOf(objects.filter((_o, i) => rendered[i]?.app.stateful === true)));
    }
  }
  return { bundles, statefulKeys, flagNamespaces };
}

/** A warning per namespace a flag lists that no cluster's bundle has: the flag reaches nobody there. */
function unplacedFlagNamespaces(definitions: readonly FlagDefinition[], flagNamespaces: ReadonlyMap<string, readonly string[]>): string[] {
  const placed = new Set([...flagNamespaces.values()].flat());
  return definitions.flatMap((d) =>
    d.namespaces.filter((ns) => !placed.has(ns)).map((ns) => `${d.file}: flag ${d.key} lists namespace ${ns}, which no cluster has (no Namespace and no object in it): no cluster gets it there`),
  );
}

/**
 * The `driftless-flags` ConfigMaps of one cluster, in
 * the namespaces of `present` only. An
 * app object in their place is an error naming its file: the flags would
 * silently replace it.
 */
function flagObjects(cluster: string, rendered: readonly RenderedObject[], present: ReadonlySet<string>, flags: CompiledFlags): KubeObject[] {
  const maps = flagConfigMaps(flags.definitions, flags.variantOf.get(cluster) ?? new Map(), flags.commitOf, present);
  for (const map of maps) {
    const taken = rendered.find((r) => r.object.kind === 'ConfigMap' && r.object.metadata.name === FLAGS_CONFIGMAP_NAME && (r.object.metadata.namespace ?? r.app.namespace ?? 'default') === map.metadata.namespace);
    if (taken) throw compileError(taken.file, taken.line, `ConfigMap ${map.metadata.namespace}/${FLAGS_CONFIGMAP_NAME} is the flags ConfigMap Driftless writes from flags/*.yaml: rename this one`);
  }
  return maps;
}

/** sha256 hex of the canonical JSON of `objects` in bundle order: equal exactly when the stateful desired state is. */
function statefulKeyOf(objects: readonly KubeObject[]): string {
  const sorted = [...objects].sort((a, b) => compareRefs(refOf(a), refOf(b)));
  return createHash('sha256').update(canonicalBytes(sorted)).digest('hex');
}

/** Runs `encode` for one cluster; a bundle over the limits is refused naming the cluster (agents would refuse it too). */
function encodeFor(cluster: string, encode: () => EncodedBundle): EncodedBundle {
  try {
    return encode();
  } catch (err) {
    if (!isDriftlessError(err, 'TooLarge')) throw err;
    throw new DriftlessError('TooLarge', `cluster ${cluster}: ${err.message}; an agent refuses such a bundle, so split the cluster's apps or shrink them`, err.data, { cause: err });
  }
}

async function readClusters(
  reader: RepoReader,
  readText: (path: string) => Promise<string>,
  known: Readonly<Record<string, Cluster>>,
  only?: string,
): Promise<{ clusters: Cluster[]; fileOids: Map<string, string>; parsed: Record<string, Cluster> }> {
  const wanted = (path: string): boolean => (only === undefined ? /\.ya?ml$/.test(path) : path === `clusters/${only}.yaml` || path === `clusters/${only}.yml`);
  const listed = (await reader.list('clusters')).filter((e) => wanted(e.path) && e.type !== 'dir');
  // A symlinked cluster file is known by what it points at, so editing the target is a change.
  const files = await Promise.all(
    listed.map(async (e) => (e.type === 'symlink' ? { ...e, oid: (await reader.stat(e.path))?.oid ?? e.oid } : e)),
  );
  const limit = pLimit(16);
  // A cluster file already parsed (same blob id, same path) is not read again.
  const texts = await Promise.all(files.map((f) => (known[`${f.oid}:${f.path}`] ? Promise.resolve(undefined) : limit(() => readText(f.path)))));
  const byName = new Map<string, string>();
  const fileOids = new Map<string, string>();
  const parsed: Record<string, Cluster> = {};
  const out: Cluster[] = [];
  for (const [i, f] of files.entries()) {
    const memoKey = `${f.oid}:${f.path}`;
    const cluster = known[memoKey] ?? parseCluster(texts[i] ?? '', f.path);
    parsed[memoKey] = cluster;
    const other = byName.get(cluster.metadata.name);
    if (other) throw compileError(f.path, undefined, `cluster ${cluster.metadata.name} is also defined in ${other}`);
    byName.set(cluster.metadata.name, f.path);
    fileOids.set(cluster.metadata.name, f.oid);
    out.push(cluster);
  }
  return { clusters: out.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)), fileOids, parsed };
}
