import pLimit from 'p-limit';
import {
  DEFAULT_BUNDLE_LIMITS,
  decodePointer,
  DriftlessError,
  isDriftlessError,
  storeLayout,
  type Digest,
  type FlagOverrides,
  type PointerMove,
} from '@driftless/core';
import { bundleRefsReader } from '../publish/bundle-refs.js';
import { settleAll } from '../settle-all.js';
import { MAX_POINTER_BYTES, movePointer, pointerMemo, type PointerMemo, type PointerMoveContext } from '../publish/pointer-moves.js';
import { signingKeyId } from '../publish/pointer-signing.js';
import { DEFAULT_POINTER_TTL_MS } from '../publish/publish-fleet.js';
import type { Versioned } from '../rollout/rollout-store.js';
import { invalidateMarker } from '../state/hub-state.js';
import { overridesForCluster, noFlagOverrides, readFlagOverrides } from './flag-overrides-store.js';
import { bundleRewriter, rewriteRolloutBundles, type FlagRepublishDeps, type OverridesOf, type RepublishedPointer } from './flag-republish.js';

/*
 * Why the last write of every cluster's pointer agrees with the last
 * overrides document (review 14a #1-#3, 14b #1), when every writer of
 * pointers or of flags/overrides.json ends with convergeOverrides over the
 * clusters it touched (flag set/clear: the selected ones; compile: the
 * compiled ones, whenever the document changed under it, pointers moved or
 * not; rollout moves: the moved ones, when it changed during the batch):
 * - A pass applies one document D to the pointer *as it is now*: each write
 *   is a compare-and-swap on the ETag of the read it was computed from, and a
 *   lost swap re-reads and recomputes from the new bundle. applyFlagOverrides
 *   is idempotent and restores every override not in D, so the bundle written
 *   depends only on Git's bundle underneath, D and the cluster's labels: a
 *   pass never moves a cluster back to an older release, and never keeps a
 *   stale override.
 * - Writers must agree on the labels as well as on the document: a flag
 *   set or clear selects its clusters and labels from the revision record it
 *   read first, and a compile may publish a newer one (a cluster added or
 *   relabelled) before the flag writer's document lands. So a flag writer's
 *   pass ends only when the document's ETag after it is the one it applied
 *   *and* the publish marker still names the record it used (`refresh`);
 *   otherwise it passes again over the old clusters and the newly selected
 *   ones (a cluster relabelled out is restored), with the new labels.
 * - A pass whose document or record went stale is followed by another pass
 *   of the same writer; a document written after a pass's check is written
 *   by a writer that converges after writing it over the clusters it
 *   selects; a record published after a flag writer's check is published by
 *   a compile that reads the document after publishing and converges when it
 *   changed. Either way the last pointer write of each cluster is a pass's
 *   write under the last document and the last labels.
 */

/** Passes before the transient FlagOverridesConflict: each one lost to a newer overrides document. */
const CONVERGE_PASSES = 8;
/** Pointer read-rewrite-swaps per cluster before PublishConflict: each lost to another writer of that pointer. */
const POINTER_ATTEMPTS = 8;
/** Clusters converged at once (each costs up to four store requests: pointer read, bundle read, bundle put, pointer write). */
export const CONVERGE_CONCURRENCY = 32;

/** A cluster's labels as override selectors match them (undefined: every override applies). */
export type LabelsOf = (cluster: string) => Readonly<Record<string, string>> | undefined;

/** Which clusters to converge, and how. */
export interface ConvergeRequest {
  readonly clusters: readonly string[];
  /** The clusters' labels; asked (once) only when an override has a selector. */
  readonly labels: () => Promise<LabelsOf>;
  /** The document as this writer just wrote or read it, with its ETag: saves the first read. */
  readonly known?: Versioned<FlagOverrides>;
  /** Clusters in flight at once; default {@link CONVERGE_CONCURRENCY}. */
  readonly concurrency?: number;
  /** A rewriter to share (one that read bundles already); default a new one. */
  readonly rewriter?: ReturnType<typeof bundleRewriter>;
  /**
   * Asked after each pass: the clusters and labels to converge now when they
   * changed since the last pass (a compile published a newer revision record
   * meanwhile), undefined when they did not; a change makes another pass
   * (review 14b #1). Absent: the clusters and labels never change.
   */
  readonly refresh?: () => Promise<ConvergeTargets | undefined>;
}

/** The clusters a convergence covers and their labels, as {@link ConvergeRequest.refresh} gives them. */
export interface ConvergeTargets {
  readonly clusters: readonly string[];
  readonly labels: LabelsOf;
}

/** What a convergence did: the rollout it rewrote (last pass) and every pointer it wrote (the last write of each). */
export interface Converged {
  readonly rollout?: string;
  readonly pointers: RepublishedPointer[];
}

/**
 * Brings the current rollout document's to/from/pending digests and the
 * pointers of `clusters` in line with `flags/overrides.json`, pass after pass
 * until a pass ran on a document that did not change meanwhile (see the
 * argument above). Pointers move past rings and the freeze, generation + 1,
 * signed as configured, each as soon as its bundle is written. Throws the
 * transient FlagOverridesConflict after {@link CONVERGE_PASSES} passes.
 */
export async function convergeOverrides(deps: FlagRepublishDeps, req: ConvergeRequest): Promise<Converged> {
  const rewriter = req.rewriter ?? bundleRewriter(deps.store);
  const moved = new Map<string, RepublishedPointer>();
  let rollout: string | undefined;
  let labelsOf: LabelsOf | undefined;
  let clusters = req.clusters;
  let read = req.known ?? (await readVersionedOverrides(deps.store));
  const invalidated = { done: undefined as Promise<void> | undefined };
  const bundleRefs = bundleRefsReader(deps.store, DEFAULT_BUNDLE_LIMITS);
  for (let pass = 0; pass < CONVERGE_PASSES; pass++) {
    const doc = read.doc;
    if (!labelsOf && Object.values(doc.overrides).some((o) => o.selector !== undefined)) labelsOf = await req.labels();
    const labels = labelsOf;
    const overridesOf: OverridesOf = (cluster) => overridesForCluster(doc, labels?.(cluster));
    rollout = (await rewriteRolloutBundles(deps.store, deps.clock, rewriter, clusters, overridesOf)) ?? rollout;
    const limit = pLimit(req.concurrency ?? CONVERGE_CONCURRENCY);
    const moves: PassContext = { deps, rewriter, overridesOf, invalidated, bundleRefs };
    const done = await settleAll(clusters.map((cluster) => limit(() => convergePointer(moves, cluster))));
    for (const p of done) if (p) moved.set(p.cluster, p);
    const after = await readVersionedOverrides(deps.store);
    const targets = await req.refresh?.();
    if (after.etag === read.etag && !targets) return { ...(rollout ? { rollout } : {}), pointers: [...moved.values()].sort((a, b) => (a.cluster < b.cluster ? -1 : 1)) };
    if (targets) ({ clusters, labels: labelsOf } = targets);
    read = after;
  }
  const key = storeLayout.flagOverrides;
  throw new DriftlessError(
    'FlagOverridesConflict',
    `${key} converge failed: it changed during each of ${CONVERGE_PASSES} passes over ${clusters.length} clusters (other flag sets or clears running); run the same flag set or clear again once they finish`,
    { key },
  );
}

/**
 * After a writer moved the pointers of `clusters` under the overrides
 * document with ETag `applied` (absent: under several, as they changed during
 * its writes): converges them on the document as it is now when that is
 * another one (review 14a #1, #3). One GET when nothing changed.
 */
export async function convergeIfOverridesChanged(
  deps: FlagRepublishDeps,
  req: { readonly applied: string | undefined; readonly clusters: readonly string[]; readonly labels: ConvergeRequest['labels'] },
): Promise<void> {
  if (req.clusters.length === 0) return;
  const now = await readVersionedOverrides(deps.store);
  if (now.etag === req.applied) return;
  await convergeOverrides(deps, { clusters: req.clusters, labels: req.labels, known: now });
}

/** `flags/overrides.json` and its ETag; absent reads as empty with ETag {@link ABSENT} (what changes when one is created). */
export async function readVersionedOverrides(store: FlagRepublishDeps['store']): Promise<Versioned<FlagOverrides>> {
  return (await readFlagOverrides(store)) ?? { doc: noFlagOverrides(), etag: ABSENT };
}

/** The ETag a pass compares when there is no overrides document. */
export const ABSENT = 'absent';

interface PassContext {
  readonly deps: FlagRepublishDeps;
  readonly rewriter: ReturnType<typeof bundleRewriter>;
  readonly overridesOf: OverridesOf;
  readonly invalidated: { done: Promise<void> | undefined };
  readonly bundleRefs: PointerMoveContext['bundleRefs'];
}

/**
 * One cluster: read the pointer, rewrite its bundle under the cluster's
 * overrides, and swap the pointer on the ETag read; a lost swap reads it
 * again and recomputes from the bundle it names now (never the old target).
 * Undefined when there is no pointer or its bundle does not change.
 */
async function convergePointer(pass: PassContext, cluster: string): Promise<RepublishedPointer | undefined> {
  const { deps } = pass;
  const key = storeLayout.pointer(cluster);
  const keyId = deps.signingKey ? signingKeyId(deps.signingKey) : 'none';
  for (let attempt = 1; ; attempt++) {
    const got = await deps.store.get(key, { maxBytes: MAX_POINTER_BYTES });
    if (got.kind !== 'found') return undefined;
    const p = decodePointer(got.body, `pointer ${key}`, cluster);
    const digest = await pass.rewriter.rewrite(p.bundle as Digest, pass.overridesOf(cluster));
    if (digest === p.bundle) return undefined;
    const memo = pointerMemo(p, got.etag, { ...(deps.signingKey ? { signingKey: deps.signingKey } : {}), keyId });
    const move = { cluster, digest, reason: 'flag-override' } satisfies PointerMove;
    try {
      const out = await movePointer(moveContext(pass, cluster, p.revision, keyId, memo), move);
      if (!out.memo) throw new DriftlessError('Internal', `pointer ${key} move failed: no pointer after the move`, { invariant: 'a flag-override move leaves a pointer' });
      deps.log({ level: 'info', msg: 'pointer moved', ...move, generation: out.memo.generation });
      return { cluster, bundle: out.memo.digest, generation: out.memo.generation };
    } catch (err) {
      if (!isDriftlessError(err, 'PublishConflict') || attempt >= POINTER_ATTEMPTS) throw err;
    }
  }
}

function moveContext(pass: PassContext, cluster: string, revision: string, keyId: string, current: PointerMemo): PointerMoveContext {
  const { deps } = pass;
  return {
    store: deps.store,
    revision,
    clock: deps.clock,
    ...(deps.signingKey ? { signingKey: deps.signingKey } : {}),
    keyId,
    pointerTtlMs: deps.pointerTtlMs ?? DEFAULT_POINTER_TTL_MS,
    allowMassPrune: true,
    refuseUnsigned: true,
    // The pointer as this pass read it: a write that finds it changed is a conflict, recomputed by the caller.
    previous: { [cluster]: current },
    conflictOnStale: true,
    // The rewriter wrote (or found) the blob.
    readyBlob: () => Promise.resolve(),
    beforeWrite: () => (pass.invalidated.done ??= invalidateMarker(deps, revision)),
    // Unused: allowMassPrune (a flag override changes one ConfigMap).
    bundleRefs: pass.bundleRefs,
    log: deps.log,
  };
}
