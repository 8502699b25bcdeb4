import type { KeyObject } from 'node:crypto';
import {
  API_VERSION,
  canonicalBytes,
  decodePointer,
  DriftlessError,
  signPointer,
  storeLayout,
  type Clock,
  type Digest,
  type EncodedBundle,
  type ObjectStore,
  type Pointer,
  type UnsignedPointer,
} from '@driftless/core';
import type { HubLog } from '../hub-log.js';
import type { BundleRefsReader } from './bundle-refs.js';
import { guardRefOf, massPruneRefusal } from './mass-prune.js';
import { signedBy } from './pointer-signing.js';

/** A pointer as this hub knows it: digest, ETag and generation. */
export interface PointerMemo {
  readonly digest: Digest;
  readonly etag: string;
  readonly generation: number;
  /** Which key signed it: a key id, `none` (unsigned) or `other` (a key this hub does not hold). */
  readonly keyId: string;
  /** Its previews bundle (issue 16): every pointer written in its place carries it unchanged; only the preview cycle moves it. */
  readonly previews?: Digest;
}

/** What every pointer move of one publish shares. */
export interface PointerMoveContext {
  readonly store: ObjectStore;
  readonly revision: string;
  readonly clock: Clock;
  readonly signingKey?: KeyObject;
  /** A signed pointer's `expiresAt` is its `publishedAt` plus this, ms. */
  readonly pointerTtlMs: number;
  /** `signingKeyId(signingKey)`, or `none`. */
  readonly keyId: string;
  readonly allowMassPrune: boolean;
  /** The pointers the previous publish left (trusted hub state): used instead of reading them. */
  readonly previous?: Readonly<Record<string, PointerMemo>>;
  /** Awaited before a pointer is written to name `digest`: the blob is verified (and repaired or renewed) if it was there already. */
  readonly readyBlob: (digest: Digest) => Promise<void>;
  /** Awaited before each write (the first call does the work). */
  readonly beforeWrite: () => Promise<void>;
  readonly bundleRefs: BundleRefsReader;
  readonly log: HubLog;
  /** Decide (read, mass-prune guard) but write nothing: a pointer that would be written is `held` (a rollout or the freeze moves it later). */
  readonly hold?: boolean;
  /**
   * Refuse to replace a signed pointer with an unsigned one (no signingKey):
   * agents that verify would refuse it, so the cluster would be stuck. Rollout
   * steps set it, since they run apart from the compile that had the key.
   */
  readonly refuseUnsigned?: boolean;
  /**
   * A remembered pointer found stale at the write is a PublishConflict, not
   * read again and written with the same target: for a caller whose target is
   * computed from the pointer's bundle (a flag override), which must recompute
   * it from the pointer as it is now (review 14a #3).
   */
  readonly conflictOnStale?: boolean;
}

/** Where one cluster's pointer should go. */
export interface PointerTarget {
  readonly cluster: string;
  readonly digest: Digest;
  /** There when the cluster was rendered; a cluster skipped as unchanged only gets its pointer re-signed. */
  readonly bundle?: EncodedBundle;
}

/** What became of one pointer; `memo` is the pointer as it is now in every case. */
export type PointerOutcome =
  | { readonly kind: 'kept'; readonly memo: PointerMemo }
  | { readonly kind: 'refused'; readonly memo: PointerMemo; readonly reason: string }
  | { readonly kind: 'moved'; readonly memo: PointerMemo }
  /** `hold` kept it from being written; `memo` is the pointer as it is, absent when there is none yet. */
  | { readonly kind: 'held'; readonly memo?: PointerMemo };

/** The largest pointer a hub reads, bytes: a pointer is a few hundred. */
export const MAX_POINTER_BYTES = 64 * 1024;

/**
 * Points `target.cluster` at `target.digest` (generation + 1, compare-and-swap
 * on the ETag, signed when a key is given) unless it already does and is
 * signed as configured, or the mass-prune guard refuses it. A remembered
 * pointer saves the read; when the write finds it stale, the pointer is read
 * and the decision taken once more. A pointer that changes between this hub's
 * read and its write is a stalled `PublishConflict`: another hub is publishing.
 */
export async function movePointer(ctx: PointerMoveContext, target: PointerTarget): Promise<PointerOutcome> {
  const key = storeLayout.pointer(target.cluster);
  let remembered = ctx.previous?.[target.cluster];
  let current = remembered ?? (await readPointer(ctx, target.cluster));
  for (;;) {
    const decision = await decide(ctx, target, current);
    if (decision.kind !== 'write') return decision;
    if (ctx.hold) return current ? { kind: 'held', memo: current } : { kind: 'held' };
    if (ctx.refuseUnsigned && !ctx.signingKey && current && current.keyId !== 'none') {
      throw new DriftlessError(
        'PublishRefused',
        `pointer ${key} move failed: it is signed and this run has no signing key; agents that verify signatures would refuse an unsigned pointer, so pass --sign-key (the move stays pending and the next step with the key makes it)`,
        { clusters: [{ cluster: target.cluster, reason: 'signed pointer, no signing key' }] },
      );
    }
    await ctx.readyBlob(target.digest);
    await ctx.beforeWrite();
    const body = canonicalBytes(decision.pointer);
    const res = current
      ? await ctx.store.put(key, body, { ifMatch: current.etag, contentType: 'application/json' })
      : await ctx.store.putIfAbsent(key, body, { contentType: 'application/json' });
    if (res.kind === 'written' || res.kind === 'created') {
      const previews = current?.previews ? { previews: current.previews } : {};
      return { kind: 'moved', memo: { digest: target.digest, etag: res.etag, generation: decision.pointer.generation, keyId: ctx.keyId, ...previews } };
    }
    if (!remembered || ctx.conflictOnStale) {
      throw new DriftlessError('PublishConflict', `pointer ${key} publish failed: it changed while this hub was publishing (another hub running?)`, {
        cluster: target.cluster,
        key,
      });
    }
    // The remembered pointer was stale (someone else wrote it): read it and decide again.
    ctx.log({ level: 'info', msg: 'remembered pointer was stale, reading it', cluster: target.cluster });
    remembered = undefined;
    current = await readPointer(ctx, target.cluster);
  }
}

/** The pointer as it is in the store (not found: undefined). */
export async function readPointer(ctx: Pick<PointerMoveContext, 'store' | 'signingKey' | 'keyId'>, cluster: string): Promise<PointerMemo | undefined> {
  const key = storeLayout.pointer(cluster);
  const got = await ctx.store.get(key, { maxBytes: MAX_POINTER_BYTES });
  if (got.kind !== 'found') return undefined;
  return pointerMemo(decodePointer(got.body, `pointer ${key}`, cluster), got.etag, ctx);
}

/** What a hub remembers of pointer `p`, read with ETag `etag`. */
export function pointerMemo(p: Pointer, etag: string, ctx: Pick<PointerMoveContext, 'signingKey' | 'keyId'>): PointerMemo {
  const memo = { digest: p.bundle as Digest, etag, generation: p.generation, keyId: signedBy(p, ctx.signingKey, ctx.keyId) };
  return p.previews ? { ...memo, previews: p.previews as Digest } : memo;
}

type Decision = Exclude<PointerOutcome, { kind: 'moved' } | { kind: 'held' }> | { readonly kind: 'write'; readonly pointer: Pointer };

async function decide(ctx: PointerMoveContext, target: PointerTarget, current: PointerMemo | undefined): Promise<Decision> {
  if (current?.digest === target.digest && current.keyId === ctx.keyId) return { kind: 'kept', memo: current };
  if (current && target.bundle && current.digest !== target.digest && !ctx.allowMassPrune) {
    const reason = massPruneRefusal(await ctx.bundleRefs(current.digest), target.bundle.bundle.objects.map(guardRefOf));
    if (reason !== undefined) return { kind: 'refused', memo: current, reason };
  }
  const now = ctx.clock.now();
  const unsigned: UnsignedPointer = {
    apiVersion: API_VERSION,
    kind: 'Pointer',
    cluster: target.cluster,
    bundle: target.digest,
    revision: ctx.revision,
    generation: (current?.generation ?? 0) + 1,
    publishedAt: new Date(now).toISOString(),
    ...(current?.previews ? { previews: current.previews } : {}),
  };
  // Only a signed expiry means anything: anyone who can write the store could edit an unsigned one.
  if (!ctx.signingKey) return { kind: 'write', pointer: unsigned };
  return { kind: 'write', pointer: signPointer({ ...unsigned, expiresAt: new Date(now + ctx.pointerTtlMs).toISOString() }, ctx.signingKey) };
}
