import { canonicalJson } from '../canonical-json.js';
import type { KubeObject } from '../documents/kube-object.js';
import { selectorMatches } from '../fleet/selector.js';
import { FLAGS_CONFIGMAP_KEY, FLAGS_CONFIGMAP_NAME, type FlagDefinition, type FlagValue } from './flag-definition.js';
import { ringOf } from './flag-file.js';

/** What a flag's rollout selects a cluster by: its labels, and its ring's name when the fleet has delivery. */
export interface FlagCluster {
  readonly labels: Readonly<Record<string, string>>;
  readonly ring?: string;
}

/**
 * The variant `flag` gives a cluster: the variant of the first rollout entry
 * whose selector matches it (a `{ring}` selector matches the clusters of that
 * ring, a label selector their labels), else the flag's defaultVariant.
 */
export function resolveFlagVariant(flag: Pick<FlagDefinition, 'rollout' | 'defaultVariant'>, cluster: FlagCluster): string {
  for (const entry of flag.rollout) {
    const ring = ringOf(entry.selector);
    const matches = ring === undefined ? selectorMatches(entry.selector as Parameters<typeof selectorMatches>[0], cluster.labels) : ring === cluster.ring;
    if (matches) return entry.variant;
  }
  return flag.defaultVariant;
}

/** One flag of a flagd flag-definition document (https://flagd.dev/reference/flag-definitions/). */
export interface FlagdFlag {
  readonly state: 'ENABLED';
  readonly variants: Readonly<Record<string, FlagValue>>;
  readonly defaultVariant: string;
  readonly targeting?: Readonly<Record<string, unknown>>;
  readonly metadata: FlagdMetadata;
}

/** What a flag's metadata records: where it comes from and what Git gave this cluster (overrides rewrite defaultVariant, not gitVariant). */
export interface FlagdMetadata {
  readonly owner: string;
  readonly type: string;
  readonly expires?: string;
  /** The last commit that changed `flags/<key>.yaml`: stable while the file is, so bundles are too. */
  readonly commit: string;
  readonly gitVariant: string;
  /** Set by an override (`actor: reason`), see applyFlagOverrides. */
  readonly override?: string;
}

/** A flagd flag-definition document. */
export interface FlagdDocument {
  readonly flags: Readonly<Record<string, FlagdFlag>>;
}

/**
 * The flagd document of one namespace of one cluster: every flag of `flags`
 * that lists `namespace`, by key, with its variant for this cluster
 * (`variantOf`) as defaultVariant and gitVariant, and `commitOf` its file's
 * last change.
 */
export function flagdDocument(flags: readonly FlagDefinition[], namespace: string, variantOf: ReadonlyMap<string, string>, commitOf: ReadonlyMap<string, string>): FlagdDocument {
  const out: Record<string, FlagdFlag> = {};
  for (const flag of [...flags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    if (!flag.namespaces.includes(namespace)) continue;
    const variant = variantOf.get(flag.key) ?? flag.defaultVariant;
    const metadata: FlagdMetadata = {
      owner: flag.owner,
      type: flag.type,
      ...(flag.expires === undefined ? {} : { expires: flag.expires }),
      commit: commitOf.get(flag.key) ?? '',
      gitVariant: variant,
    };
    out[flag.key] = { state: 'ENABLED', variants: flag.variants, defaultVariant: variant, ...(flag.targeting === undefined ? {} : { targeting: flag.targeting }), metadata };
  }
  return { flags: out };
}

/**
 * The `driftless-flags` ConfigMaps of one cluster: one per namespace some
 * flag lists and the cluster has (`present`, see bundleNamespaces; sorted), its
 * `flags.flagd.json` the canonical JSON of that namespace's flagd document.
 * A listed namespace the cluster lacks gets none: applying into a missing
 * namespace fails, and with it the cluster's whole bundle.
 */
export function flagConfigMaps(flags: readonly FlagDefinition[], variantOf: ReadonlyMap<string, string>, commitOf: ReadonlyMap<string, string>, present: ReadonlySet<string>): KubeObject[] {
  const namespaces = [...new Set(flags.flatMap((f) => f.namespaces))].filter((ns) => present.has(ns)).sort();
  return namespaces.map((namespace) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: FLAGS_CONFIGMAP_NAME, namespace },
    data: { [FLAGS_CONFIGMAP_KEY]: canonicalJson(flagdDocument(flags, namespace, variantOf, commitOf)) },
  }));
}

/** The namespaces a bundle's objects give a cluster: each Namespace object's name and each object's namespace. */
export function bundleNamespaces(objects: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'Namespace' && o.apiVersion === 'v1') out.add(o.metadata.name);
    if (o.metadata.namespace !== undefined) out.add(o.metadata.namespace);
  }
  return out;
}
