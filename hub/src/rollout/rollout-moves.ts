import type { KeyObject } from 'node:crypto';
import pLimit from 'p-limit';
import { DEFAULT_BUNDLE_LIMITS, DriftlessError, isDriftlessError, type Clock, type ObjectStore, type PointerMove } from '@driftless/core';
import type { HubLog } from '../hub-log.js';
import { bundleRefsReader } from '../publish/bundle-refs.js';
import { movePointer, type PointerMemo, type PointerMoveContext } from '../publish/pointer-moves.js';
import { signingKeyId } from '../publish/pointer-signing.js';
import { DEFAULT_POINTER_TTL_MS } from '../publish/publish-fleet.js';
import { invalidateMarker } from '../state/hub-state.js';
import { moveOverrides, type MoveOverrides } from '../flags/move-overrides.js';
import { settleAll } from '../settle-all.js';

/** What moving a rollout's pointers needs. */
export interface RolloutMoveDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly signingKey?: KeyObject;
  readonly pointerTtlMs?: number;
  readonly log: HubLog;
  /**
   * Whether the rollout these moves came from is still as read (a conditional
   * GET: 304). Asked before the first pointer write and again every
   * `recheckEvery` writes (default 32, one round of concurrent writes): once
   * another writer changed the rollout, this batch stops (RolloutConflict),
   * so a slow holder of an old intent log cannot move pointers back for
   * longer than one round.
   */
  readonly stillCurrent?: () => Promise<boolean>;
  readonly recheckEvery?: number;
}

/** One move as done: the pointer as it is now, and whether this call wrote it. */
export interface MoveOutcome {
  readonly move: PointerMove;
  readonly memo: PointerMemo;
  readonly wrote: boolean;
}

/** Attempts per pointer when another writer got there between read and write. */
const ATTEMPTS = 4;

/**
 * Moves the pointers of `moves` (the rollout's intent log) for `revision`:
 * each at most once (movePointer keeps a pointer that already names the
 * digest, signed as configured), so a step that finishes the moves of a
 * crashed or racing step moves nothing twice. Before the first write it
 * invalidates the hub-state marker (a new id, same revision), so that no
 * compile trusts pointers it remembers from before this step. The mass-prune
 * guard is not evaluated here: compile did it for every changed cluster and
 * released only what it let through; a revert restores what a cluster had.
 * Each digest is written with the cluster's active flag overrides applied,
 * and the batch ends converging what it wrote when `flags/overrides.json`
 * changed meanwhile (see moveOverrides): a step never leaves a pointer without
 * a kill switch set while it ran.
 */
export async function moveRolloutPointers(deps: RolloutMoveDeps, revision: string, moves: readonly PointerMove[]): Promise<MoveOutcome[]> {
  if (moves.length === 0) return [];
  const overrides = await moveOverrides(deps, revision);
  let invalidated: Promise<void> | undefined;
  let writes = 0;
  let current: Promise<boolean> = Promise.resolve(true);
  const beforeWrite = async (): Promise<void> => {
    await (invalidated ??= invalidateMarker(deps, revision));
    if (!deps.stillCurrent) return;
    if (writes++ % (deps.recheckEvery ?? 32) === 0) current = deps.stillCurrent();
    if (!(await current)) {
      throw new DriftlessError('RolloutConflict', `rollout of ${revision} pointer moves stopped: another writer changed the rollout meanwhile, and it decides what moves now`, { rollout: revision });
    }
  };
  const ctx: PointerMoveContext = {
    store: deps.store,
    revision,
    clock: deps.clock,
    ...(deps.signingKey ? { signingKey: deps.signingKey } : {}),
    keyId: deps.signingKey ? signingKeyId(deps.signingKey) : 'none',
    pointerTtlMs: deps.pointerTtlMs ?? DEFAULT_POINTER_TTL_MS,
    allowMassPrune: true,
    refuseUnsigned: true,
    // The blobs were written and verified by the compile that released them.
    readyBlob: () => Promise.resolve(),
    beforeWrite,
    bundleRefs: bundleRefsReader(deps.store, DEFAULT_BUNDLE_LIMITS),
    log: deps.log,
  };
  const limit = pLimit(32);
  const written: string[] = [];
  try {
    return await settleAll(moves.map((move) => limit(() => moveOnce(ctx, overrides, move, written))));
  } finally {
    // Also after a failed batch: the pointers it did write keep the overrides.
    await overrides.settle(written.sort());
  }
}

async function moveOnce(ctx: PointerMoveContext, overrides: MoveOverrides, move: PointerMove, written: string[]): Promise<MoveOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      // The rollout's digest with the overrides on top; a retry reapplies them as they are now.
      const digest = await overrides.target(move, attempt > 1);
      const out = await movePointer(ctx, { cluster: move.cluster, digest });
      if (out.kind === 'held' || !out.memo) throw new DriftlessError('Internal', `pointer of ${move.cluster} move failed: held without hold`, { invariant: 'no hold in rollout moves' });
      if (out.kind === 'moved') written.push(move.cluster);
      return { move, memo: out.memo, wrote: out.kind === 'moved' };
    } catch (err) {
      // Another writer moved it between our read and our write: read it again (kept when it names the target).
      if (!isDriftlessError(err, 'PublishConflict') || attempt >= ATTEMPTS) throw err;
    }
  }
}
