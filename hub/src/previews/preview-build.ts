import type { LimitFunction } from 'p-limit';
import { encodeValidatedBundle, isDriftlessError, type BundleLimits, type Digest, type KubeObject, type ObjectStore, type RepositorySource } from '@driftless/core';
import type { HubLog } from '../hub-log.js';
import { blobReadiness, writeBlobs } from '../publish/blobs.js';
import { namespaceRefusal, type PreviewPlan } from './preview-decisions.js';
import type { BuildableBase, BuildPreview, PreviewBuildOptions } from './preview-types.js';

/** What building one branch gave: its objects and blobs per host, or why it failed. */
export type BuildOutcome =
  | { readonly kind: 'built'; readonly commit: string; readonly objects: ReadonlyMap<string, readonly KubeObject[]>; readonly bundles: ReadonlyMap<string, Digest> }
  /** `record`: a stalled or internal failure, kept on the preview (not tried again for this commit); a transient one is tried again next cycle. */
  | { readonly kind: 'failed'; readonly message: string; readonly record: boolean; readonly refused?: true };

/** What a build needs, injected. */
export interface BuildStepDeps {
  readonly store: ObjectStore;
  readonly source: Pick<RepositorySource, 'sync'>;
  readonly build: BuildPreview;
  readonly buildOptions: PreviewBuildOptions;
  readonly log: HubLog;
  readonly limits: BundleLimits;
  /** Blob writes in flight at once. */
  readonly blobLimit: LimitFunction;
  /**
   * Git operations in flight at once: 1. Every branch is fetched into the
   * one cached clone of the repository, and isomorphic-git does not lock it
   * (two fetches, or a fetch and an ancestry walk, at once can read a
   * packfile while another writes it). Builds still overlap.
   */
  readonly gitLimit: LimitFunction;
  /** The cycle's canonical-JSON cache (see encodeValidatedBundle). */
  readonly cache: WeakMap<object, Uint8Array>;
}

/**
 * Fetches the branch (its only `sync` this cycle), builds its preview for each
 * host of `base`, and writes each host's objects as a bundle blob
 * (put-if-absent, content-addressed; one already there is renewed so gc
 * keeps it until the document names it). Never throws: any failure, the fetch's
 * included, is an outcome, logged here, so one broken branch stops nothing else.
 * A namespace the preview may not use (see namespaceRefusal) fails it
 * `refused`, unfetched: its last good build goes too.
 */
export async function buildOnePreview(deps: BuildStepDeps, repo: string, base: BuildableBase, plan: Extract<PreviewPlan, { kind: 'build' }>): Promise<BuildOutcome> {
  const { branch, name } = plan;
  const refused = namespaceRefusal(name.namespace, base);
  if (refused !== undefined) {
    deps.log({ level: 'error', msg: `preview ${name.slug} build failed: ${refused}`, branch, commit: plan.commit, slug: name.slug });
    return { kind: 'failed', message: refused, record: true, refused: true };
  }
  try {
    const snapshot = await deps.gitLimit(() => deps.source.sync({ repo, ref: branch }));
    const built = await deps.build({ branch, slug: name.slug, namespace: name.namespace, reader: snapshot.reader, base }, deps.buildOptions);
    const objects = new Map<string, readonly KubeObject[]>();
    for (const host of base.hosts) {
      const list = built.get(host.metadata.name) ?? [];
      if (list.length > 0) objects.set(host.metadata.name, list);
    }
    const encoded = [...objects].map(([host, list]) => [host, encodeValidatedBundle(list, deps.cache, deps.limits)] as const);
    const writes = await writeBlobs(
      deps.store,
      encoded.map(([, e]) => e),
      deps.blobLimit,
    );
    // A blob that was there already keeps its old age until renewed: the document naming it (a gc root) is written after this.
    const ready = blobReadiness(deps.store, writes, deps.limits);
    await Promise.all(encoded.map(([, e]) => deps.blobLimit(() => ready(e.digest))));
    return { kind: 'built', commit: snapshot.reader.commit, objects, bundles: new Map(encoded.map(([host, e]) => [host, e.digest])) };
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    const message = cause.includes(branch) ? cause : `branch ${branch}: ${cause}`;
    const transient = isDriftlessError(err) && err.errorClass === 'transient';
    deps.log({ level: transient ? 'warn' : 'error', msg: `preview ${name.slug} build failed: ${message}`, branch, commit: plan.commit, slug: name.slug });
    return { kind: 'failed', message, record: !transient };
  }
}
