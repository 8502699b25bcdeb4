import { decodePointer, storeLayout, type Pointer } from '@driftless/core';
import type { PassContext } from './pass-context.js';
import { failureOf, type StepFailure } from './step-failure.js';

/** A pointer that passed every check, or why not. */
export type VerifyPointerResult = { readonly kind: 'accepted'; readonly pointer: Pointer } | StepFailure;

/**
 * Step 2: validates the pointer's bytes: it must name this cluster, and with
 * a verify key carry a valid signature and a generation not older than the
 * one last accepted (replay). Accepting records its generation in the
 * verifier, in place: the verifier is the agent's replay memory, not a field
 * of its state.
 */
export async function verifyPointer(ctx: PassContext, body: Uint8Array): Promise<VerifyPointerResult> {
  const { cluster } = ctx.config;
  try {
    const verifier = ctx.verifier ? await ctx.verifier() : undefined;
    return { kind: 'accepted', pointer: decodePointer(body, `pointer ${storeLayout.pointer(cluster)}`, cluster, verifier) };
  } catch (err) {
    return failureOf(err);
  }
}
