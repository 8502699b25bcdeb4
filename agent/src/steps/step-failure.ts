import { classifyError } from '@driftless/core';

/** A step that could not do its job: `unavailable` (transient: retried with backoff) or `refused` (stalled or internal: reported Failed). */
export type StepFailure = { readonly kind: 'unavailable'; readonly error: string } | { readonly kind: 'refused'; readonly error: string };

/** The failure value for a thrown error, by its class (see classifyError). */
export function failureOf(err: unknown): StepFailure {
  const error = (err as Error).message;
  return classifyError(err) === 'transient' ? { kind: 'unavailable', error } : { kind: 'refused', error };
}
