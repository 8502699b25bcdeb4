import { DriftlessError, type ClusterRollout, type Observations, type Release, type Rollout, type Transition } from '@driftless/core';
import type { MoveOutcome } from './rollout-moves.js';
import type { RolloutControllerDeps } from './rollout-controller.js';
import {
  casCurrentRollout,
  createRolloutDocument,
  readCurrentRollout,
  readRollout,
  rolloutConflict,
  ROLLOUT_CAS_ATTEMPTS,
  type Versioned,
} from './rollout-store.js';

/** What starting a release needs beside the controller's deps: its observation and commit. */
export interface StartDeps extends Pick<RolloutControllerDeps, 'store' | 'clock' | 'machine' | 'audit' | 'signingKey'> {
  readonly observe: (clusters: Iterable<string>) => Promise<Observations>;
  readonly commit: (read: Versioned<Rollout>, t: Transition) => Promise<MoveOutcome[] | undefined>;
}

/**
 * Starts `release` as the current rollout: the running rollout (if any) is
 * superseded compare-and-swap first, so no step of it moves a pointer once
 * the new one exists; the new one is written put-if-absent with the moves
 * the machine's start decided as its intent log (`pendingMoves`), then
 * `rollouts/current.json` is swapped to it; the caller's next step moves them.
 * False when the current rollout is already one of this revision (compiling
 * the same commit again starts nothing). Another compile swapping
 * current.json first is the stalled PublishConflict.
 */
export async function startRelease(deps: StartDeps, release: Omit<Release, 'supersedes'>, statefulKeys: ReadonlyMap<string, string> = new Map()): Promise<boolean> {
  const current = await readCurrentRollout(deps.store);
  if (current?.doc.revision === release.revision) return false;
  const previous = current ? await supersede(deps, current.doc.id, release.id) : undefined;
  const full: Release = { ...release, ...(previous ? { supersedes: previous } : {}) };
  const obs = await deps.observe(release.clusters.keys());
  const t = deps.machine.start(full, obs, deps.clock.now());
  // The machine knows nothing of stateful keys: the next release reads them here.
  const clusters = Object.fromEntries(Object.entries(t.state.clusters).map(([c, r]) => [c, withKey(r, statefulKeys.get(c))]));
  // A release compiled with a key keeps its pointers signed: no keyless step may move them.
  const state: Rollout = { ...t.state, clusters, ...(deps.signingKey ? { signed: true } : {}) };
  const doc: Rollout = t.moves.length > 0 ? { ...state, pendingMoves: [...t.moves] } : state;
  if ((await createRolloutDocument(deps.store, doc)) === undefined) {
    throw new DriftlessError('PublishConflict', `rollout ${release.id} start failed: a rollout with this id exists already (another hub started it)`, { key: `rollouts/${release.id}.json` });
  }
  if (!(await casCurrentRollout(deps.store, doc, current?.etag))) {
    throw new DriftlessError('PublishConflict', `rollout ${release.id} start failed: another hub made a rollout current meanwhile; compile again`, { key: 'rollouts/current.json' });
  }
  await deps.audit.append(t.audit);
  return true;
}

/** Marks rollout `id` superseded by `byId` (compare-and-swap, re-deciding on conflict); returns `id`. */
async function supersede(deps: StartDeps, id: string, byId: string): Promise<string> {
  for (let attempt = 0; attempt < ROLLOUT_CAS_ATTEMPTS; attempt++) {
    const read = await readRollout(deps.store, id);
    if (!read) return id;
    const t = deps.machine.supersede(read.doc, byId, deps.clock.now());
    if (!t.changed || (await deps.commit(read, t)) !== undefined) return id;
  }
  throw rolloutConflict(id);
}

function withKey(c: ClusterRollout, key: string | undefined): ClusterRollout {
  return key === undefined ? c : { ...c, statefulKey: key };
}
