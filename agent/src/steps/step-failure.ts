import { classifyError } from '@driftless/core';

/**
 * A step that could not do its job:
 * - `unavailable`: transient (an outage): retried with backoff;
 * - `refused`: the pointer's or its blob's own bytes fail a check (stalled or
 *   internal): reported Failed; the same bytes would give the same answer, so
 *   the pointer is not read again until it changes;
 * - `blocked`: refused because of the cluster or the store (RBAC, the replay
 *   records, a store policy), which a person may repair without the pointer
 *   changing: reported Failed, and the pointer is read again on the next pass
 *   (with backoff).
 */
export type StepFailure =
  | { readonly kind: 'unavailable'; readonly error: string }
  | { readonly kind: 'refused'; readonly error: string }
  | { readonly kind: 'blocked'; readonly error: string };

/** The failure value for a thrown error, by its class (see classifyError); a refusal counts as `refusedAs` (default `refused`). */
export function failureOf(err: unknown, refusedAs: 'refused' | 'blocked' = 'refused'): StepFailure {
  const error = (err as Error).message;
  return classifyError(err) === 'transient' ? { kind: 'unavailable', error } : { kind: refusedAs, error };
}
