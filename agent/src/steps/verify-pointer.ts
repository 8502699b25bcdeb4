import { decodePointer, storeLayout, type Pointer } from '@driftless/core';
import type { ReplayMemory } from '../replay-floor.js';
import { staleFromError, type StalePointer } from '../stale-pointer.js';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/** A pointer that passed every check, one validly signed but expired, or why not. */
export type VerifyPointerResult = { readonly kind: 'accepted'; readonly pointer: Pointer } | { readonly kind: 'expired'; readonly stale: StalePointer } | StepFailure;

/**
 * Step 2: validates the pointer's bytes: it must name this cluster, not have
 * expired (on the injected clock), and with verify keys carry a signature one
 * of them verifies and a generation not older than the replay floor. Accepting
 * records its generation in the verifier, in place: the replay memory is not a
 * field of the agent's state.
 */
export async function verifyPointer(ctx: PassContext, body: Uint8Array): Promise<VerifyPointerResult> {
  const { cluster } = ctx.config;
  let memory: ReplayMemory;
  try {
    memory = await ctx.replay();
  } catch (err) {
    // The cluster's replay records could not be read: nothing about the pointer, so it is read again once they can be.
    return failureOf(err, 'blocked');
  }
  try {
    const { verifier } = memory;
    return { kind: 'accepted', pointer: decodePointer(body, `pointer ${storeLayout.pointer(cluster)}`, cluster, verifier, ctx.clock.now()) };
  } catch (err) {
    const stale = staleFromError(err);
    return stale ? { kind: 'expired', stale } : failureOf(err);
  }
}
