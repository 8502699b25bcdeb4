import type { Digest, Pointer } from '@driftless/core';
import type { AcceptedBundle, AgentState, VerifiedBlob } from './agent-state.js';
import { desiredOf, releaseOf } from './desired-state.js';
import type { StalePointer } from './stale-pointer.js';
import { checkFreshCluster } from './steps/check-fresh-cluster.js';
import { fetchBundle, type BlobRole } from './steps/fetch-bundle.js';
import type { PassContext } from './steps/pass-context.js';
import { pollPointer } from './steps/poll-pointer.js';
import type { StepFailure } from './steps/step-failure.js';
import { verifyBundle } from './steps/verify-bundle.js';
import { verifyPointer } from './steps/verify-pointer.js';

/** How the pointer read went when a pointer was at stake: a new one read (`changed`), or a 304 while a pending pointer's blob was read again. */
type PointerPoll = 'changed' | 'not-modified';

/**
 * What the source steps found: no news (304 or no pointer yet), a transient
 * failure (`error`: nothing changes, retried with backoff), a pointer refused
 * (with the ETag that read it, when one was read; `reread` when the refusal
 * came from the cluster or the store, not the pointer's bytes: its ETag is
 * forgotten so the next pass reads it again), one expired, one whose blob is
 * missing or damaged (kept pending), or one accepted with its bundle
 * (undefined when it names the bundle in force). `etag` is undefined when no
 * pointer was read.
 */
export type Intake =
  | { readonly poll: 'not-modified' | 'none' }
  | { readonly poll: 'error'; readonly error: string; readonly forgetEtag: boolean }
  | { readonly poll: PointerPoll; readonly refused: string; readonly etag: string | undefined; readonly reread?: boolean }
  | { readonly poll: PointerPoll; readonly expired: StalePointer; readonly etag: string }
  | { readonly poll: PointerPoll; readonly missing: string; readonly pending: Pointer; readonly etag: string | undefined }
  | { readonly poll: PointerPoll; readonly pointer: Pointer; readonly bundle: AcceptedBundle | undefined; readonly etag: string | undefined };

/**
 * Steps 1 to 4 in order: poll the pointer, verify it, fetch its bundle and
 * previews bundle, verify them (and, with no replay floor on record, that the cluster is
 * new). Each runs only when the one before succeeded, so a pointer that fails
 * its checks costs no blob read. On a 304 with a pending pointer, its blob is
 * read again.
 */
export async function takeIn(ctx: PassContext): Promise<Intake> {
  const polled = await pollPointer(ctx);
  if (polled.kind === 'not-modified') return ctx.state.pending ? bundleOf(ctx, ctx.state.pending, 'not-modified', undefined) : { poll: 'not-modified' };
  if (polled.kind === 'none') return { poll: 'none' };
  if (polled.kind === 'unavailable') return { poll: 'error', error: polled.error, forgetEtag: false };
  if (polled.kind !== 'found') return { poll: 'changed', refused: polled.error, etag: undefined, reread: false };
  const { etag } = polled;
  const checked = await verifyPointer(ctx, polled.body);
  if (checked.kind === 'expired') return { poll: 'changed', expired: checked.stale, etag };
  if (checked.kind !== 'accepted') return failed(checked, 'changed', etag);
  return bundleOf(ctx, checked.pointer, 'changed', etag);
}

/**
 * Steps 3 and 4 for each blob the pointer names (its bundle, then its
 * previews bundle: a blob already in force is not read again), their union
 * (see desiredOf), and the fresh-cluster check. Either blob missing or
 * damaged keeps the pointer pending; either refused refuses the pointer:
 * nothing is applied until both are right.
 */
async function bundleOf(ctx: PassContext, pointer: Pointer, poll: PointerPoll, etag: string | undefined): Promise<Intake> {
  const inForce = ctx.state.bundle;
  const release = await blobOf(ctx, pointer.bundle as Digest, 'bundle', inForce && releaseOf(inForce));
  if (release.kind === 'missing') return { poll, missing: release.error, pending: pointer, etag };
  if (release.kind !== 'blob') return failed(release, poll, etag);
  const previews = pointer.previews === undefined ? undefined : await blobOf(ctx, pointer.previews as Digest, 'previews bundle', inForce?.previews);
  if (previews?.kind === 'missing') return { poll, missing: previews.error, pending: pointer, etag };
  if (previews && previews.kind !== 'blob') return failed(previews, poll, etag);
  if (release.same && (previews ? previews.same : inForce?.previews === undefined)) return { poll, pointer, bundle: undefined, etag };
  const bundle: AcceptedBundle = desiredOf(release.blob, previews?.blob);
  const fresh = await checkFreshCluster(ctx, pointer, bundle);
  if (fresh.kind !== 'fresh') return failed(fresh, poll, etag);
  return { poll, pointer, bundle, etag };
}

/** One blob of the pointer, verified: the one in force when it names that (`same`, nothing read), else read and checked; missing or damaged ones are `missing`. */
async function blobOf(ctx: PassContext, digest: Digest, role: BlobRole, inForce: VerifiedBlob | undefined): Promise<Blob> {
  if (digest === inForce?.digest) return { kind: 'blob', blob: inForce, same: true };
  const fetched = await fetchBundle(ctx, digest, role);
  if (fetched.kind !== 'fetched') return fetched;
  const verified = verifyBundle(ctx, fetched, role);
  // A damaged blob is rewritten by the hub's next publish that moves a pointer to it or renders a cluster naming it: retried like a missing one.
  if (verified.kind === 'corrupt') return { kind: 'missing', error: verified.error };
  return verified.kind === 'verified' ? { kind: 'blob', blob: verified.blob, same: false } : verified;
}

type Blob = { readonly kind: 'blob'; readonly blob: VerifiedBlob; readonly same: boolean } | { readonly kind: 'missing'; readonly error: string } | StepFailure;

/** A failure after the pointer was read: transient ones, and refusals the cluster or store caused, read it again next time (the ETag is forgotten). */
function failed(failure: StepFailure, poll: PointerPoll, etag: string | undefined): Intake {
  if (failure.kind === 'unavailable') return { poll: 'error', error: failure.error, forgetEtag: true };
  return { poll, refused: failure.error, etag, reread: failure.kind === 'blocked' };
}

/** The fields of the agent's state the intake decides. */
type SourceState = Pick<AgentState, 'etag' | 'pointer' | 'bundle' | 'rejection' | 'pending' | 'expired'>;

/**
 * The source part of the state after `intake`: an accepted pointer (and its
 * bundle) replaces the one in force and clears the rejection; a refused one
 * leaves the last good bundle in force and is remembered as the rejection
 * (and, refused because of the cluster or store, its ETag forgotten); a
 * missing or damaged blob keeps its pointer pending (and is the rejection meanwhile); an
 * expired pointer is remembered as such.
 */
export function afterIntake(state: Readonly<AgentState>, intake: Intake): SourceState {
  const { etag, pointer, bundle, rejection, pending, expired } = state;
  const kept: SourceState = { etag, pointer, bundle, rejection, pending, expired };
  if (intake.poll === 'error') return { ...kept, etag: intake.forgetEtag ? undefined : etag };
  if (!('etag' in intake)) return kept;
  const read = intake.etag ?? etag;
  if ('refused' in intake) return { ...kept, etag: intake.reread ? undefined : read, rejection: intake.refused, pending: undefined, expired: undefined };
  if ('expired' in intake) return { ...kept, etag: read, rejection: undefined, pending: undefined, expired: intake.expired };
  if ('missing' in intake) return { ...kept, etag: read, rejection: intake.missing, pending: intake.pending, expired: undefined };
  return { etag: read, pointer: intake.pointer, bundle: intake.bundle ?? bundle, rejection: undefined, pending: undefined, expired: undefined };
}
