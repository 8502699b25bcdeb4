import type { Pointer } from '@driftless/core';
import type { AcceptedBundle, AgentState } from './agent-state.js';
import { fetchBundle } from './steps/fetch-bundle.js';
import type { PassContext } from './steps/pass-context.js';
import { pollPointer } from './steps/poll-pointer.js';
import type { StepFailure } from './steps/step-failure.js';
import { verifyBundle } from './steps/verify-bundle.js';
import { verifyPointer } from './steps/verify-pointer.js';

/**
 * What the source steps found: no news (304 or no pointer yet), a transient
 * failure (`error`: nothing changes, retried with backoff), a new pointer
 * refused (with the ETag that read it, when there was one), or a new pointer
 * accepted with its bundle (undefined when it names the bundle in force).
 */
export type Intake =
  | { readonly poll: 'not-modified' | 'none' }
  | { readonly poll: 'error'; readonly error: string; readonly forgetEtag: boolean }
  | { readonly poll: 'changed'; readonly refused: string; readonly etag: string | undefined }
  | { readonly poll: 'changed'; readonly pointer: Pointer; readonly bundle: AcceptedBundle | undefined; readonly etag: string };

/**
 * Steps 1 to 4 in order: poll the pointer, verify it, fetch its bundle,
 * verify the bundle. Each runs only when the one before succeeded, so a
 * pointer that fails its checks costs no blob read.
 */
export async function takeIn(ctx: PassContext): Promise<Intake> {
  const polled = await pollPointer(ctx);
  if (polled.kind === 'not-modified' || polled.kind === 'none') return { poll: polled.kind };
  if (polled.kind === 'unavailable') return { poll: 'error', error: polled.error, forgetEtag: false };
  if (polled.kind === 'refused') return { poll: 'changed', refused: polled.error, etag: undefined };
  const { etag } = polled;
  const checked = await verifyPointer(ctx, polled.body);
  if (checked.kind !== 'accepted') return failed(checked, etag);
  const fetched = await fetchBundle(ctx, checked.pointer);
  if (fetched.kind === 'same') return { poll: 'changed', pointer: checked.pointer, bundle: undefined, etag };
  if (fetched.kind !== 'fetched') return failed(fetched, etag);
  const verified = verifyBundle(ctx, fetched);
  if (verified.kind !== 'verified') return failed(verified, etag);
  return { poll: 'changed', pointer: checked.pointer, bundle: verified.bundle, etag };
}

/** A failure after the pointer was read: transient ones read it again next time (the ETag is forgotten). */
function failed(failure: StepFailure, etag: string): Intake {
  return failure.kind === 'unavailable' ? { poll: 'error', error: failure.error, forgetEtag: true } : { poll: 'changed', refused: failure.error, etag };
}

/**
 * The source part of the state after `intake`: an accepted pointer (and its
 * bundle) replaces the one in force and clears the rejection; a refused one
 * leaves the last good bundle in force and is remembered as the rejection.
 */
export function afterIntake(state: Readonly<AgentState>, intake: Intake): Pick<AgentState, 'etag' | 'pointer' | 'bundle' | 'rejection'> {
  const { etag, pointer, bundle, rejection } = state;
  if (intake.poll === 'error') return { etag: intake.forgetEtag ? undefined : etag, pointer, bundle, rejection };
  if (intake.poll !== 'changed') return { etag, pointer, bundle, rejection };
  if ('refused' in intake) return { etag: intake.etag ?? etag, pointer, bundle, rejection: intake.refused };
  return { etag: intake.etag, pointer: intake.pointer, bundle: intake.bundle ?? bundle, rejection: undefined };
}
