import type { BranchListing, Cluster, Digest, KubeObject, PreviewsSpec, RepoReader } from '@driftless/core';
import type { HelmRunner } from '../render/helm-runner.js';
import type { KustomizeRunner } from '../render/kustomize.js';

/**
 * What a compile of the base branch (the hub's ref, else the default branch)
 * resolved for previews: `spec.previews` of its fleet.yaml and the host
 * clusters it selects, as that commit's cluster files give them. Previews are
 * configured on the base branch only: a feature branch cannot make itself a
 * preview, pick its hosts or its namespace.
 */
export interface PreviewBase {
  /** The base commit. */
  readonly revision: string;
  /** The base branch's name: a branch merged into it is removed. */
  readonly branch: string;
  /**
   * Undefined when the base's fleet.yaml has no `spec.previews` (any more):
   * the cycle then only removes the previews left (`spec.previews removed`).
   */
  readonly spec: PreviewsSpec | undefined;
  /** Every cluster `spec.previews.clusters` selects, sorted by name (none without a spec). */
  readonly hosts: readonly Cluster[];
  /**
   * sha256 hex of what a preview build reads from the base besides the
   * branch's own files: spec.previews and the hosts' names, labels and vars.
   * A preview whose `built.inputs` and commit are unchanged is not rebuilt.
   */
  readonly inputs: string;
  /**
   * The namespaces the release puts objects in (fleet.yaml apps'
   * `namespace`, `default` for those without): a preview rendered into one
   * of them fails, so a branch cannot take over a release namespace.
   */
  readonly releaseNamespaces?: readonly string[];
}

/** A PreviewBase with `spec.previews` set: what a build reads. */
export type BuildableBase = PreviewBase & { readonly spec: PreviewsSpec };

/** One branch to build: its commit's files and where its preview goes. */
export interface PreviewBuildRequest {
  readonly branch: string;
  readonly slug: string;
  /** `spec.previews.namespace` rendered with the slug: every object of the preview goes here. */
  readonly namespace: string;
  /** The branch's commit (`sync` with the branch as ref): its fleet.yaml defines the apps, its files their manifests. */
  readonly reader: RepoReader;
  readonly base: BuildableBase;
}

/** How a build renders sources and what it accepts, as the compile's own options. */
export interface PreviewBuildOptions {
  readonly kustomize: KustomizeRunner;
  readonly helm?: HelmRunner;
  readonly allowPlainSecrets?: boolean;
  readonly maxFileBytes?: number;
}

/**
 * Builds one branch's preview: the apps `base.spec.apps` names, as the
 * branch's fleet.yaml defines them, rendered for each host with the host's
 * vars, the vars of the first target of the app that selects the host, and
 * `spec.previews.vars` on top (with `${branch.slug}`, `${branch.name}`,
 * `${cluster.name}`); every object in `namespace`, annotated APP_ANNOTATION
 * `<namespace>/<app>` and labelled PREVIEW_LABEL `<slug>`, plus the
 * Namespace itself. Per host, sorted in bundle order. A cluster-scoped
 * object, an app the branch does not define, or any compile error of the
 * branch rejects with a DriftlessError whose message names the file (and
 * line) and the branch: the cycle records it on this preview only.
 */
export type BuildPreview = (req: PreviewBuildRequest, opts: PreviewBuildOptions) => Promise<ReadonlyMap<string, readonly KubeObject[]>>;

/** What became of a host's pointer when its previews bundle was set. */
export type PreviewsPointerOutcome = 'moved' | 'kept' | 'held-frozen' | 'no-pointer';

/**
 * Points `cluster`'s pointer `previews` at `digest` (undefined: removes the
 * field), keeping its release bundle, revision and everything else:
 * generation + 1, re-signed, compare-and-swap on its ETag (read again and
 * retried when another writer got there first). `kept` when it already
 * names it; `no-pointer` when the cluster has no pointer yet (its first
 * release has not been published: nothing to attach to); `held-frozen`
 * while the fleet is frozen (`driftless freeze`): nothing written.
 * `beforeMove` is awaited once before the first write, only when the
 * pointer is about to name a bundle it does not name yet: the cycle renews
 * an existing blob there, so gc's minimum age keeps it while it moves.
 */
export type SetPreviewsPointer = (cluster: string, digest: Digest | undefined, beforeMove?: () => Promise<void>) => Promise<PreviewsPointerOutcome>;

/** One preview's outcome in a cycle. */
export interface PreviewChange {
  readonly branch: string;
  readonly slug: string;
  readonly namespace: string;
  readonly commit: string;
  /** created/updated: built from this commit; failed: its build failed (the last good build stays); removed: gone from every host. */
  readonly action: 'created' | 'updated' | 'unchanged' | 'failed' | 'removed';
  /** Why, for `removed` (`branch deleted`, `merged into main`, `ttl 72h passed`) and `failed` (the build error). */
  readonly reason?: string;
}

/** What one preview cycle did (`hub compile --previews --json` prints it under `previews`). */
export interface PreviewsReport {
  readonly base: string;
  readonly previews: readonly PreviewChange[];
  /** Host clusters whose pointer's previews bundle moved. */
  readonly hostsMoved: readonly string[];
  /** Hosts whose move waits: frozen, no pointer yet, or its bundle or pointer failed (the reason says how; tried again next cycle). */
  readonly hostsHeld: readonly { readonly cluster: string; readonly reason: string }[];
}

/** One preview cycle's input: the branches listed once this cycle, and the base they are judged against. */
export interface PreviewCycleRequest {
  readonly repo: string;
  readonly listing: BranchListing;
  readonly base: PreviewBase;
  /** Who runs it, named in the audit entries; default `hub`. */
  readonly actor?: string;
}
