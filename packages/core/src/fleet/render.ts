import { DEFAULT_NAMESPACE_ANNOTATION } from '../documents/bundle.js';
import { describeRef, refKey, refOf, type KubeObject } from '../documents/kube-object.js';
import { valuesContext, valuesForCluster, type HelmValues } from './helm-values.js';
import { fillQuotedTemplate, quotedTemplateOf, type QuotedTemplate } from './quoted-template.js';
import { scopeOf, scopesFromCrds } from './scope.js';
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
  /**
   * Helm values: the `values` of every target that selects the cluster, in
   * target order, `${...}` substituted (one `helm template -f` file each);
   * empty when none has values.
   */
  readonly values: readonly HelmValues[];
}

/**
 * The apps `cluster` gets, in fleet order: an app applies when any of its
 * targets selects the cluster's labels; the first such target decides the
 * overlay and the vars, and every such target adds its values (see
 * valuesForCluster, whose unknown-variable errors this throws).
 */
export function appsForCluster(fleet: Fleet, cluster: Cluster): AppInstance[] {
  const out: AppInstance[] = [];
  fleet.spec.apps.forEach((app, i) => {
    const matching = app.targets.flatMap((t, j) => (selectorMatches(t.selector, cluster.metadata.labels) ? [j] : []));
    const target = matching[0] === undefined ? undefined : app.targets[matching[0]];
    if (!target) return;
    const vars = { ...cluster.spec.vars, ...target.vars };
    out.push({ app, source: target.overlay ?? app.path, vars, values: valuesForCluster(fleet, i, matching, valuesContext(cluster, vars)) });
  });
  return out;
}

/** A manifest text of an app source: a file of a plain directory, or a kustomize build's output. */
export interface SourceFile {
  /** Repository path (or `<dir> (kustomize build)`, or a Helm template's repository path), for messages. */
  readonly path: string;
  readonly text: string;
  /**
   * Parsed as is, without `${...}` substitution: the output of `helm template`,
   * whose charts carry `${...}` of their own (shell scripts, config files).
   * A chart's per-cluster values are substituted before rendering instead.
   */
  readonly literal?: boolean;
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
  /**
   * Each file's documents with their renderings. Two renderings of one chart
   * template (two value sets) share a path but not a text, so they are kept
   * by file object rather than by path.
   */
  readonly chunks: WeakMap<SourceFile, CachedFile>;
}

/** A source file cut into documents, each with the variables it refers to (none in a literal file). */
export interface CachedFile {
  readonly chunks: readonly CachedChunk[];
}

/** One document of a source file and its renderings so far. */
export interface CachedChunk extends YamlChunk {
  readonly variables: readonly string[];
  /**
   * Renderings by app name, then by the variables' values (see valuesKey):
   * nested maps rather than one map under a composite string key, which
   * cost more to build and hash than the lookup saved, once per document per
   * cluster.
   */
  readonly renderings: Map<string, Map<string, readonly RenderedObject[]>>;
  /** Renderings parsed so far: from the second on, the document is worth a template. */
  parsed: number;
  /** Its quoted template once tried (null: it has none), see quotedTemplateOf. */
  template?: QuotedTemplate | null;
  /** Renderings filled from the template rather than parsed: lets tests show the shortcut was taken. */
  filled: number;
}

/** An empty RenderCache, for one compile. */
export function createRenderCache(): RenderCache {
  return { chunks: new WeakMap() };
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
    for (const chunk of cachedFile(file, cache).chunks) {
      let byValues = chunk.renderings.get(inst.app.name);
      if (!byValues) chunk.renderings.set(inst.app.name, (byValues = new Map<string, readonly RenderedObject[]>()));
      const key = valuesKey(chunk.variables, ctx);
      let rendered = key === undefined ? undefined : byValues.get(key);
      if (!rendered) {
        // An unknown variable (no key) throws here, naming it.
        rendered = renderChunk(chunk, file, inst, ctx, opts);
        if (key !== undefined) byValues.set(key, rendered);
      }
      for (const r of rendered) out.push(r);
    }
  }
  return out;
}

function cachedFile(file: SourceFile, cache: RenderCache): CachedFile {
  let cached = cache.chunks.get(file);
  if (!cached) {
    // A literal file refers to no variables: its renderings are shared by every cluster.
    const chunks = splitYamlDocuments(file.text).map((c) => ({ ...c, variables: file.literal === true ? [] : referencedVariables(c.text), renderings: new Map<string, Map<string, readonly RenderedObject[]>>(), parsed: 0, filled: 0 }));
    cached = { chunks };
    cache.chunks.set(file, cached);
  }
  return cached;
}

/** The values of `variables` in `ctx` as one key, unambiguous for a given list of variables; undefined when one is unknown. */
function valuesKey(variables: readonly string[], ctx: SubstitutionContext): string | undefined {
  if (variables.length === 0) return '';
  if (variables.length === 1) return resolve(variables[0] as string, ctx);
  const values: string[] = [];
  for (const v of variables) {
    const value = resolve(v, ctx);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return JSON.stringify(values);
}

function renderChunk(chunk: CachedChunk, source: SourceFile, inst: AppInstance, ctx: SubstitutionContext, opts: RenderOptions): RenderedObject[] {
  const file = source.path;
  const docs =
    (source.literal === true ? undefined : fromTemplate(chunk, file, ctx, opts)) ??
    parseYamlDocuments(source.literal === true ? chunk.text : substituteVariables(chunk.text, file, ctx, chunk.line - 1), file, opts.yamlLimits, chunk.line - 1);
  return docs.map((doc) => {
    const object = asKubeObject(doc.value, file, doc.line);
    if (!opts.allowPlainSecrets) refusePlainSecret(object, file, doc.line);
    return { object, app: inst.app, file, line: doc.line };
  });
}

/**
 * The chunk's documents from its quoted template (see quotedTemplateOf), tried
 * at its second rendering (a document rendered once is not worth a template);
 * undefined when it has none, or a value does not fit it or is unknown (the
 * text is then substituted, which names the unknown variable).
 */
function fromTemplate(chunk: CachedChunk, file: string, ctx: SubstitutionContext, opts: RenderOptions): { value: unknown; line: number }[] | undefined {
  if (chunk.variables.length === 0 || ++chunk.parsed < 2) return undefined;
  // Tried once: null (no template) must not be tried again.
  if (chunk.template === undefined) chunk.template = quotedTemplateOf(chunk.text, chunk.variables, file, opts.yamlLimits, chunk.line - 1) ?? null;
  if (chunk.template === null || chunk.template.limits !== opts.yamlLimits) return undefined;
  const values: string[] = [];
  for (const v of chunk.variables) {
    const value = resolve(v, ctx);
    if (value === undefined) return undefined;
    values.push(value);
  }
  const docs = fillQuotedTemplate(chunk.template, values);
  if (docs) chunk.filled++;
  return docs;
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
 * Placed objects by rendered object and placement, so that clusters sharing a
 * rendering share the placed objects too (and their cached canonical JSON).
 */
export type PlacementCache = WeakMap<KubeObject, Map<string, KubeObject>>;

/** Where the hub puts an object: in `namespace`, or (kind of unknown scope, no namespace written) nowhere, with the default namespace as a hint. */
type Placement = { readonly namespace?: string; readonly hint?: string };

function place(obj: KubeObject, placement: Placement, cache: PlacementCache | undefined): KubeObject {
  const slot = `${placement.namespace ?? ''}\u0000${placement.hint ?? ''}`;
  const hit = cache?.get(obj)?.get(slot);
  if (hit) return hit;
  const { namespace: _drop, ...metaRest } = obj.metadata;
  const metadata: KubeObject['metadata'] = placement.namespace === undefined ? metaRest : { ...metaRest, namespace: placement.namespace };
  if (placement.hint !== undefined) {
    metadata['annotations'] = { ...(obj.metadata['annotations'] as Record<string, string> | undefined), [DEFAULT_NAMESPACE_ANNOTATION]: placement.hint };
  }
  const placed: KubeObject = { ...obj, metadata };
  if (cache) {
    let bySlot = cache.get(obj);
    if (!bySlot) cache.set(obj, (bySlot = new Map<string, KubeObject>()));
    bySlot.set(slot, placed);
  }
  return placed;
}

/**
 * Where an object goes by what the hub knows of its kind's scope (see
 * scopeOf): a namespaced one in its namespace, else its app's (`default`
 * when the app has none); a cluster-scoped one nowhere; one of a kind the
 * hub cannot know in the namespace written, else nowhere, with the app's
 * default namespace as {@link DEFAULT_NAMESPACE_ANNOTATION} for the agent,
 * which settles the scope from discovery. A bundle holding such an object is
 * of the apiVersion older agents refuse (see bundleApiVersionOf): they would
 * apply it in `default` and prune the live one.
 */
function placementOf(r: RenderedObject, fromCrds: ReturnType<typeof scopesFromCrds>): Placement {
  const obj = r.object;
  const fallback = r.app.namespace ?? 'default';
  switch (scopeOf(obj.apiVersion, obj.kind, fromCrds)) {
    case 'cluster':
      return {};
    case 'namespaced':
      return { namespace: obj.metadata.namespace ?? fallback };
    case 'unknown':
      return obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : { hint: fallback };
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'object' && Object.keys(v).length === 0);
}

/**
 * Everything one cluster gets, from all its apps, placed (see placementOf):
 * namespaced objects without a namespace go into their app's namespace;
 * cluster-scoped ones (built-in kinds, and kinds declared `Cluster` by CRDs
 * in this same bundle) lose any namespace; objects of other kinds keep what
 * was written, or carry the app's namespace as a hint. The same object twice
 * is an error that names both places. Returns new objects; the rendered ones
 * are not changed.
 */
export function assembleClusterObjects(rendered: readonly RenderedObject[], placements?: PlacementCache): KubeObject[] {
  const fromCrds = scopesFromCrds(rendered.map((r) => r.object));
  const seen = new Map<string, RenderedObject>();
  const out: KubeObject[] = [];
  for (const r of rendered) {
    const obj = r.object;
    const placement = placementOf(r, fromCrds);
    const placed = place(obj, placement, placements);
    const ref = refOf(placed);
    const key = refKey(ref);
    const first = seen.get(key);
    if (first) {
      const unplaced = placement.hint !== undefined ? `; the hub cannot know the scope of ${obj.kind} (no CRD for it in the bundle): give each a metadata.namespace` : '';
      throw compileError(
        r.file,
        r.line,
        `${describeRef(ref)} is also defined at ${first.file}:${first.line}${first.app.name === r.app.name ? '' : ` (app ${first.app.name})`}; an object may appear once per cluster${unplaced}`,
      );
    }
    seen.set(key, r);
    out.push(placed);
  }
  return out;
}
