import { describeRef, refKey, type KubeObject, type ObjectRef } from '../documents/kube-object.js';
import { clusterScopedFromCrds, isClusterScoped } from './scope.js';
import { selectorMatches } from './selector.js';
import type { Cluster, Fleet, FleetApp } from './spec.js';
import { referencedVariables, resolve, substituteVariables, type SubstitutionContext } from './substitute.js';
import { compileError, parseYamlDocuments, splitYamlDocuments, type YamlChunk, type YamlLimits } from './yaml-documents.js';

/** One app as one cluster gets it: where its manifests come from and the vars in force. */
export interface AppInstance {
  readonly app: FleetApp;
  /** The app's `path`, or the overlay of the target that selected the cluster. */
  readonly source: string;
  /** Cluster vars overlaid with that target's vars. */
  readonly vars: Readonly<Record<string, string>>;
}

/**
 * The apps `cluster` gets, in fleet order: an app applies when any of its
 * targets selects the cluster's labels; the first such target decides the
 * overlay and the vars.
 */
export function appsForCluster(fleet: Fleet, cluster: Cluster): AppInstance[] {
  const out: AppInstance[] = [];
  for (const app of fleet.spec.apps) {
    const target = app.targets.find((t) => selectorMatches(t.selector, cluster.metadata.labels));
    if (!target) continue;
    out.push({ app, source: target.overlay ?? app.path, vars: { ...cluster.spec.vars, ...target.vars } });
  }
  return out;
}

/** A manifest text of an app source: a file of a plain directory, or a kustomize build's output. */
export interface SourceFile {
  /** Repository path (or `<dir> (kustomize build)`), for messages. */
  readonly path: string;
  readonly text: string;
}

/** An object rendered for one cluster, with where it came from. */
export interface RenderedObject {
  readonly object: KubeObject;
  readonly app: FleetApp;
  readonly file: string;
  readonly line: number;
}

export interface RenderOptions {
  /** Accept `kind: Secret` with data in Git (`--allow-plain-secrets`). Default false. */
  readonly allowPlainSecrets?: boolean;
  readonly yamlLimits?: YamlLimits;
}

/**
 * Renderings shared between clusters: a document is substituted and parsed
 * once per distinct value of the variables it refers to, so clusters that only
 * differ in a variable used by one document share the parse of all others.
 * One per compile.
 */
export interface RenderCache {
  readonly chunks: WeakMap<SourceFile, readonly (YamlChunk & { readonly variables: readonly string[] })[]>;
  readonly results: Map<string, readonly RenderedObject[]>;
}

export function createRenderCache(): RenderCache {
  return { chunks: new WeakMap(), results: new Map() };
}

/**
 * Substitutes variables in each document of an app source and parses it.
 * Every document must be a Kubernetes object with apiVersion, kind and
 * metadata.name; a plain Secret carrying data is refused unless allowed.
 * Errors are `InvalidDocument` with file and line. With a cache, renderings
 * are reused (see {@link RenderCache}).
 */
export function renderAppInstance(
  files: readonly SourceFile[],
  inst: AppInstance,
  cluster: Cluster,
  opts: RenderOptions = {},
  cache: RenderCache = createRenderCache(),
): RenderedObject[] {
  const ctx = { clusterName: cluster.metadata.name, labels: cluster.metadata.labels, vars: inst.vars };
  const out: RenderedObject[] = [];
  for (const file of files) {
    let chunks = cache.chunks.get(file);
    if (!chunks) {
      chunks = splitYamlDocuments(file.text).map((c) => ({ ...c, variables: referencedVariables(c.text) }));
      cache.chunks.set(file, chunks);
    }
    for (const chunk of chunks) {
      const values = chunk.variables.map((v) => resolve(v, ctx) ?? '\u0000missing');
      const key = JSON.stringify([inst.app.name, file.path, chunk.line, values]);
      let rendered = cache.results.get(key);
      if (!rendered) {
        rendered = renderChunk(chunk, file.path, inst, ctx, opts);
        cache.results.set(key, rendered);
      }
      out.push(...rendered);
    }
  }
  return out;
}

function renderChunk(chunk: YamlChunk, file: string, inst: AppInstance, ctx: SubstitutionContext, opts: RenderOptions): RenderedObject[] {
  const text = substituteVariables(chunk.text, file, ctx, chunk.line - 1);
  return parseYamlDocuments(text, file, opts.yamlLimits, chunk.line - 1).map((doc) => {
    const object = asKubeObject(doc.value, file, doc.line);
    if (!opts.allowPlainSecrets) refusePlainSecret(object, file, doc.line);
    return { object, app: inst.app, file, line: doc.line };
  });
}

function asKubeObject(value: unknown, file: string, line: number): KubeObject {
  const v = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  const missing =
    typeof v !== 'object' || v === null || Array.isArray(v)
      ? 'is not a mapping'
      : typeof v.apiVersion !== 'string' || v.apiVersion === ''
        ? 'has no apiVersion'
        : typeof v.kind !== 'string' || v.kind === ''
          ? 'has no kind'
          : typeof v.metadata?.name !== 'string' || v.metadata.name === ''
            ? 'has no metadata.name'
            : v.metadata.namespace !== undefined && (typeof v.metadata.namespace !== 'string' || v.metadata.namespace === '')
              ? 'has an invalid metadata.namespace'
              : undefined;
  if (missing) throw compileError(file, line, `document ${missing}; every document must be a Kubernetes object with apiVersion, kind and metadata.name`);
  return value as KubeObject;
}

/**
 * Refuses a v1 Secret with data, also inside a `List` or a `*List` (`kind:
 * SecretList` items are Secrets even without a kind), however deeply nested:
 * a List is published as one object, so it would carry the Secret into the store.
 */
function refusePlainSecret(obj: KubeObject, file: string, line: number, itemKind?: string): void {
  const secret = obj as KubeObject & { data?: unknown; stringData?: unknown; items?: unknown };
  const kind = typeof obj.kind === 'string' ? obj.kind : itemKind;
  if (kind?.endsWith('List') && Array.isArray(secret.items)) {
    const inner = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    for (const item of secret.items) if (item !== null && typeof item === 'object') refusePlainSecret(item as KubeObject, file, line, inner);
    return;
  }
  if (kind !== 'Secret' || (obj.apiVersion ?? 'v1') !== 'v1') return;
  if (isEmpty(secret.data) && isEmpty(secret.stringData)) return;
  throw compileError(
    file,
    line,
    `Secret/${obj.metadata.name} holds data in plain text, and secrets do not belong in Git: ` +
      'use Sealed Secrets or the External Secrets Operator (or pass --allow-plain-secrets)',
  );
}

/**
 * Placed objects by rendered object and namespace, so that clusters sharing a
 * rendering share the placed objects too (and their cached canonical JSON).
 */
export type PlacementCache = WeakMap<KubeObject, Map<string, KubeObject>>;

function place(obj: KubeObject, namespace: string | undefined, cache: PlacementCache | undefined): KubeObject {
  const slot = namespace ?? '';
  const hit = cache?.get(obj)?.get(slot);
  if (hit) return hit;
  const { namespace: _drop, ...metaRest } = obj.metadata;
  const placed: KubeObject = { ...obj, metadata: namespace === undefined ? metaRest : { ...metaRest, namespace } };
  if (cache) {
    let byNs = cache.get(obj);
    if (!byNs) cache.set(obj, (byNs = new Map<string, KubeObject>()));
    byNs.set(slot, placed);
  }
  return placed;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && Object.keys(v).length === 0);
}

/**
 * Everything one cluster gets, from all its apps: namespaced objects without a
 * namespace go into their app's namespace (`default` when the app has none);
 * cluster-scoped ones (built-in kinds, and kinds declared `Cluster` by CRDs in
 * this same bundle) lose any namespace. The same object twice is an error that
 * names both places. Returns new objects; the rendered ones are not changed.
 */
export function assembleClusterObjects(rendered: readonly RenderedObject[], placements?: PlacementCache): KubeObject[] {
  const fromCrds = clusterScopedFromCrds(rendered.map((r) => r.object));
  const seen = new Map<string, RenderedObject>();
  const out: KubeObject[] = [];
  for (const r of rendered) {
    const obj = r.object;
    const clusterScoped = isClusterScoped(obj.apiVersion, obj.kind, fromCrds);
    const namespace = clusterScoped ? undefined : (obj.metadata.namespace ?? r.app.namespace ?? 'default');
    const placed = place(obj, namespace, placements);
    const ref: ObjectRef = {
      group: obj.apiVersion.includes('/') ? (obj.apiVersion.split('/')[0] ?? '') : '',
      kind: obj.kind,
      namespace: namespace ?? '',
      name: obj.metadata.name,
    };
    const key = refKey(ref);
    const first = seen.get(key);
    if (first) {
      throw compileError(r.file, r.line, `${describeRef(ref)} is also defined at ${first.file}:${first.line}${first.app.name === r.app.name ? '' : ` (app ${first.app.name})`}; an object may appear once per cluster`);
    }
    seen.set(key, r);
    out.push(placed);
  }
  return out;
}
