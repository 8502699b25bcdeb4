import { DriftlessError, type ClusterRollout, type Observations, type Release, type Rollout } from '@driftless/core';
import { signingKeyId } from '../publish/pointer-signing.js';
import type { RolloutControllerDeps } from './rollout-controller.js';
import { casCurrentRollout, createRolloutDocument, readCurrentRollout } from './rollout-store.js';

/** What starting a release needs beside the controller's deps: its observation and how to retire the running rollout. */
export interface StartDeps extends Pick<RolloutControllerDeps, 'store' | 'clock' | 'machine' | 'signingKey'> {
  readonly observe: (clusters: Iterable<string>) => Promise<Observations>;
  /** Marks the running rollout superseded (see the controller's retire). */
  readonly retire: (id: string, byId: string) => Promise<void>;
}

/**
 * Starts `release` as the current rollout: the running rollout (if any) is
 * superseded compare-and-swap first, so no step of it moves a pointer once
 * the new one exists; the new one is written put-if-absent with the moves
 * and audit drafts the machine's start decided as its intent log
 * (`pendingMoves`, `pendingAudit`) and, compiled with a key, that key's id
 * (`signingKeyId`), then `rollouts/current.json` is swapped to it; the
 * caller's next step moves them and appends the drafts.
 * False when the current rollout is already one of this revision (compiling
 * the same commit again starts nothing). Another compile swapping
 * current.json first is the stalled PublishConflict.
 */
export async function startRelease(deps: StartDeps, release: Omit<Release, 'supersedes'>, statefulKeys: ReadonlyMap<string, string> = new Map()): Promise<boolean> {
  const current = await readCurrentRollout(deps.store);
  if (current?.doc.revision === release.revision) return false;
  if (current) await deps.retire(current.doc.id, release.id);
  const previous = current?.doc.id;
  const full: Release = { ...release, ...(previous ? { supersedes: previous } : {}) };
  const obs = await deps.observe(release.clusters.keys());
  const t = deps.machine.start(full, obs, deps.clock.now());
  // The machine knows nothing of stateful keys: the next release reads them here.
  const clusters = Object.fromEntries(Object.entries(t.state.clusters).map(([c, r]) => [c, withKey(r, statefulKeys.get(c))]));
  // A release compiled with a key keeps its pointers signed by it: no step without that key may move them.
  const state: Rollout = { ...t.state, clusters, ...(deps.signingKey ? { signingKeyId: signingKeyId(deps.signingKey) } : {}) };
  // Its moves and audit entries are its intent log: the step that follows does them (or the next, after a crash).
  const doc: Rollout = { ...state, ...(t.moves.length > 0 ? { pendingMoves: [...t.moves] } : {}), ...(t.audit.length > 0 ? { pendingAudit: [...t.audit] } : {}) };
  if ((await createRolloutDocument(deps.store, doc)) === undefined) {
    throw new DriftlessError('PublishConflict', `rollout ${release.id} start failed: a rollout with this id exists already (another hub started it)`, { key: `rollouts/${release.id}.json` });
  }
  if (!(await casCurrentRollout(deps.store, doc, current?.etag))) {
    throw new DriftlessError('PublishConflict', `rollout ${release.id} start failed: another hub made a rollout current meanwhile; compile again`, { key: 'rollouts/current.json' });
  }
  return true;
}


function withKey(c: ClusterRollout, key: string | undefined): ClusterRollout {
  return key === undefined ? c : { ...c, statefulKey: key };
}
