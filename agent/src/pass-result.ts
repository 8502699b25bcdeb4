import type { Phase } from '@driftless/core';
import type { ReconcileOutcome } from './reconcile/change-set.js';

/** How reading the pointer went: `not-modified` (304), `changed` (a new pointer, accepted or refused), `none` (no pointer yet) or `error` (polling failed). */
export type PollKind = 'not-modified' | 'changed' | 'none' | 'error';

/** What one pass did and where the cluster stands (printed by `driftless agent --once`; read by the bench and the metrics). */
export interface PassResult {
  readonly poll: PollKind;
  readonly phase: Phase | 'Unknown';
  readonly generation?: number;
  readonly outcome?: ReconcileOutcome;
  readonly error?: string;
  /** Whether a status document was written. */
  readonly statusWritten: boolean;
}
