import { isDriftlessError, refuseExpired, storeLayout, type Pointer } from '@driftless/core';

/** An expired pointer: the pointer in force, or one just read. The agent leaves the cluster as it is while it holds (phase Stale). */
export interface StalePointer {
  readonly generation: number;
  readonly publishedAt: string;
  readonly expiresAt: string;
  /** `pointer <key> verify failed: it expired at …`. */
  readonly error: string;
}

/** The StalePointer a `PointerExpired` error describes, or undefined for any other throw. */
export function staleFromError(err: unknown): StalePointer | undefined {
  if (!isDriftlessError(err, 'PointerExpired')) return undefined;
  const { generation, publishedAt, expiresAt } = err.data;
  return { generation, publishedAt, expiresAt, error: err.message };
}

/**
 * Whether the agent is stale at `now` (ms): the last pointer read had expired
 * (`expired`), or the pointer in force has expired since it was accepted (a
 * freeze: the store keeps serving it, so every poll is a 304).
 */
export function staleOf(state: { readonly expired: StalePointer | undefined; readonly pointer: Pointer | undefined }, cluster: string, now: number): StalePointer | undefined {
  if (state.expired) return state.expired;
  if (!state.pointer) return undefined;
  try {
    refuseExpired(state.pointer, `pointer ${storeLayout.pointer(cluster)}`, now);
    return undefined;
  } catch (err) {
    return staleFromError(err);
  }
}
