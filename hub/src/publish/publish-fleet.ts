import type { KeyObject } from 'node:crypto';
import pLimit from 'p-limit';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits, type Clock, type Digest, type ObjectStore } from '@driftless/core';
import type { CompiledDelivery, CompiledFleet } from '../compile.js';
import { quietLog, type HubLog } from '../hub-log.js';
import { settleAll } from '../settle-all.js';
import { blobReadiness, checkNamedBlobs, writeBlobs } from './blobs.js';
import { bundleRefsReader } from './bundle-refs.js';
import { findOrphans } from './orphans.js';
import { movePointer, type PointerMemo, type PointerMoveContext, type PointerOutcome } from './pointer-moves.js';
import { signingKeyId } from './pointer-signing.js';
import { writeRevisionRecord, type PublishedFlags } from './revision-record.js';

/**
 * How long a signed pointer stays valid without being re-signed: 7 days, ms.
 * Long enough that a resign job failing over a long weekend strands no
 * cluster, short enough that a frozen (replayed, validly signed) pointer is
 * refused within a week.
 */
export const DEFAULT_POINTER_TTL_MS = 7 * 24 * 3_600_000;

/** What to publish, where, and how (see publishFleet). */
export interface PublishOptions {
  readonly store: ObjectStore;
  readonly compiled: CompiledFleet;
  /** Pointer and record timestamps. */
  readonly clock: Clock;
  /** Signs every pointer written (`--sign-key`). */
  readonly signingKey?: KeyObject;
  /** A signed pointer expires this long after it is published, ms (`--pointer-ttl`). Default DEFAULT_POINTER_TTL_MS. */
  readonly pointerTtlMs?: number;
  /** Publish even when a cluster would lose more than half of its objects (`--allow-mass-prune`). */
  readonly allowMassPrune?: boolean;
  /** Store requests in flight at most. Default 32. */
  readonly concurrency?: number;
  readonly bundleLimits?: BundleLimits;
  /**
   * The pointers as the previous publish left them (from validated hub state):
   * unchanged clusters cost no request, changed ones are compare-and-swapped on
   * the remembered ETag without reading first, and orphans need no listing.
   */
  readonly previous?: PublishMemo;
  /**
   * Awaited once, before the first pointer is written: the hub invalidates its
   * state marker there, so a publish that fails half-way is never trusted.
   */
  readonly beforePointerWrites?: () => Promise<void>;
  readonly log?: HubLog;
  /** `--allow-rollback` let this revision through although it does not descend from this one: recorded in the revision record. */
  readonly rolledBackFrom?: string;
  /**
   * Publish blobs and the revision record but write no pointer (a rollout
   * moves them ring by ring, or the fleet is frozen). The mass-prune guard is
   * still evaluated for every changed cluster and its refusals reported.
   */
  readonly holdPointers?: boolean;
  /** With `flags/*.yaml`: what the compile resolved of them, recorded in the revision record (`driftless flags`). */
  readonly flags?: PublishedFlags;
  /** Every cluster's labels, recorded in the revision record (what `driftless flag set --selector` matches). */
  readonly labels?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The revision the store's marker named before this publish: its record's flag lifecycle (firstSeen, uniformSince) carries over. */
  readonly lastPublished?: string;
}

/** Every pointer this hub knows it wrote: digest, ETag and generation. */
export interface PublishMemo {
  readonly pointers: Readonly<Record<string, PointerMemo>>;
}

/** What a publish did; `refused` clusters kept their old pointer. */
export interface PublishResult {
  readonly revision: string;
  readonly clusters: number;
  readonly uniqueBundles: number;
  readonly blobsWritten: number;
  /**
   * Blobs that were there with bytes not matching their digest (corrupted,
   * truncated): rewritten before a pointer moved to them, or after, when a
   * kept pointer of a rendered cluster names them (checked by size first).
   */
  readonly blobsRepaired: number;
  readonly pointersUpdated: number;
  /** Clusters with a pointer in the store but no file in this commit: their pointer is kept. */
  readonly orphaned: readonly string[];
  readonly refused: readonly { cluster: string; reason: string }[];
  /** With `holdPointers`: pointers that would have been written (moved or re-signed) and were not. */
  readonly pointersHeld?: number;
  /** Set when this publish rolled the fleet back from that revision (`--allow-rollback`). */
  readonly rolledBackFrom?: string;
  /** For the next publish. */
  readonly memo: PublishMemo;
}

/**
 * Publishes a compiled commit so that every cluster always points at a
 * complete bundle, whatever moment a crash hits: first every blob (see
 * writeBlobs), then the pointers whose digest changed (see movePointer: the
 * mass-prune guard, compare-and-swap; an existing blob is verified, repaired
 * or renewed before the first pointer names it, see blobReadiness), then one
 * check of the blobs named (the gc-race repair, and the verification of the
 * blobs kept pointers name: see checkNamedBlobs), then
 * `revisions/<sha>.json`. Every write of a step settles before the next step
 * starts and before this returns or throws. Compiling the same commit again
 * writes nothing.
 */
export async function publishFleet(opts: PublishOptions): Promise<PublishResult> {
  const { store, compiled } = opts;
  const limit = pLimit(opts.concurrency ?? 32);
  const blobs = await writeBlobs(store, compiled.bundles.values(), limit);
  const ctx = moveContext(opts, blobReadiness(store, blobs, opts.bundleLimits ?? DEFAULT_BUNDLE_LIMITS));
  const outcomes = await settleAll([
    ...[...compiled.bundles].map(([cluster, bundle]) => limit(() => movePointer(ctx, { cluster, digest: bundle.digest, bundle }))),
    ...[...compiled.unchanged].map(([cluster, digest]) => limit(() => movePointer(ctx, { cluster, digest }))),
  ]);
  const clusters = [...compiled.bundles.keys(), ...compiled.unchanged.keys()];
  const moved = new Set(outcomes.flatMap((o) => (o.kind === 'moved' ? [o.memo.digest] : [])));
  const kept = outcomes.slice(0, compiled.bundles.size).flatMap((o) => (o.kind === 'moved' || !o.memo || moved.has(o.memo.digest) ? [] : [o.memo.digest]));
  const named = [...compiled.bundles.values()].map((b) => b.digest);
  await checkNamedBlobs(store, blobs, { named, kept: new Set(kept) }, opts.bundleLimits ?? DEFAULT_BUNDLE_LIMITS, limit);
  const orphans = await findOrphans(ctx, (c) => compiled.bundles.has(c) || compiled.unchanged.has(c));
  const targets = [...[...compiled.bundles.values()].map((b) => b.digest), ...compiled.unchanged.values()];
  // A held pointer's cluster is recorded with the release's bundle: what this revision gives it.
  const published = new Map(clusters.map((c, i) => [c, outcomes[i]?.kind === 'held' ? (targets[i] as Digest) : ((outcomes[i] as PointerOutcome).memo as PointerMemo).digest]));
  const rings = compiled.delivery ? ringNames(compiled.delivery) : undefined;
  const { flags, labels, lastPublished, rolledBackFrom } = opts;
  const recorded = { ...(rolledBackFrom ? { rolledBackFrom } : {}), ...(rings ? { rings } : {}), ...(flags ? { flags } : {}), ...(labels ? { labels } : {}), ...(lastPublished ? { lastPublished } : {}) };
  await writeRevisionRecord(store, { revision: compiled.revision, published, ...recorded }, opts.clock);
  const pointers = clusters.flatMap((c, i) => {
    const memo = outcomes[i]?.memo;
    return memo ? [[c, memo] as const] : [];
  });
  return {
    revision: compiled.revision,
    clusters: clusters.length,
    uniqueBundles: new Set<Digest>(targets).size,
    blobsWritten: blobs.created,
    blobsRepaired: blobs.repaired.size,
    pointersUpdated: outcomes.filter((o) => o.kind === 'moved').length,
    orphaned: orphans.clusters,
    refused: refusals(clusters, outcomes),
    ...(opts.holdPointers ? { pointersHeld: outcomes.filter((o) => o.kind === 'held').length } : {}),
    ...(opts.rolledBackFrom ? { rolledBackFrom: opts.rolledBackFrom } : {}),
    memo: { pointers: { ...Object.fromEntries(pointers), ...orphans.pointers } },
  };
}

function moveContext(opts: PublishOptions, readyBlob: (digest: Digest) => Promise<void>): PointerMoveContext {
  let announced: Promise<void> | undefined;
  return {
    store: opts.store,
    revision: opts.compiled.revision,
    clock: opts.clock,
    ...(opts.signingKey ? { signingKey: opts.signingKey } : {}),
    keyId: opts.signingKey ? signingKeyId(opts.signingKey) : 'none',
    pointerTtlMs: opts.pointerTtlMs ?? DEFAULT_POINTER_TTL_MS,
    allowMassPrune: opts.allowMassPrune ?? false,
    ...(opts.previous ? { previous: opts.previous.pointers } : {}),
    readyBlob,
    beforeWrite: () => (announced ??= opts.beforePointerWrites?.() ?? Promise.resolve()),
    bundleRefs: bundleRefsReader(opts.store, opts.bundleLimits ?? DEFAULT_BUNDLE_LIMITS),
    log: opts.log ?? quietLog,
    ...(opts.holdPointers ? { hold: true } : {}),
  };
}

/** Every cluster's ring name, for the revision record. */
function ringNames(delivery: CompiledDelivery): Map<string, string> {
  return new Map([...delivery.ringOf].map(([cluster, i]) => [cluster, delivery.plan.rings[i]?.name ?? String(i)]));
}

function refusals(clusters: readonly string[], outcomes: readonly PointerOutcome[]): { cluster: string; reason: string }[] {
  const out = clusters.flatMap((cluster, i) => {
    const o = outcomes[i];
    return o?.kind === 'refused' ? [{ cluster, reason: o.reason }] : [];
  });
  return out.sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
}
