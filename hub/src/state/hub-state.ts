import { API_VERSION, canonicalBytes, parseJson, type Clock, type ObjectStore } from '@driftless/core';
import type { CompiledFleet, CompileMemo } from '../compile.js';
import type { HubLog } from '../hub-log.js';
import type { PublishMemo } from '../publish/publish-fleet.js';

/**
 * What a hub remembers between runs for one store: the compile memo and the
 * pointers it wrote. Trusted only while the store's `hub/last-publish.json`
 * carries the same id. Whoever is about to change a pointer first writes a new
 * id there, so a publish by another hub, or one of ours that failed half-way,
 * leaves no state that is trusted.
 */
export interface HubState {
  readonly format: typeof HUB_STATE_FORMAT;
  readonly id: string;
  readonly revision: string;
  readonly compile: CompileMemo;
  readonly publish: PublishMemo;
}

/**
 * Bump when HubState changes shape or meaning, so that older saved states are
 * not trusted (3: cluster files are parsed as YAML 1.1, as Kubernetes does).
 */
export const HUB_STATE_FORMAT = 'driftless-hub-state-3';

/**
 * Where a hub keeps its state between runs (a port): a file in its cache
 * directory in processes, memory in tests and simulations. It stores and
 * returns state; whether to trust it is decided against the store's marker.
 */
export interface HubStateStore {
  /** The saved state; undefined when none is saved, or when what is saved cannot be read or is not a valid state. */
  load(): Promise<HubState | undefined>;
  /** Replaces the saved state, atomically: a crash leaves the old one or the new one. */
  save(state: HubState): Promise<void>;
}

/** The store's marker of the last publish (an extension of the layout in DESIGN.md). */
export const LAST_PUBLISH_KEY = 'hub/last-publish.json';

/** The saved state, if there is one and the store's marker says it is current. */
export async function loadTrustedState(states: HubStateStore, store: ObjectStore, log: HubLog): Promise<HubState | undefined> {
  const state = await states.load();
  if (!state) return undefined;
  const marker = await store.get(LAST_PUBLISH_KEY);
  const id = marker.kind === 'found' ? (parseJson(marker.body, LAST_PUBLISH_KEY) as { id?: unknown }).id : undefined;
  if (id === state.id) return state;
  log({ level: 'info', msg: 'hub state not trusted: the store was published to since', revision: state.revision });
  return undefined;
}

/** Writes the store's marker of the last publish with `id`. */
export async function writePublishMarker(store: ObjectStore, id: string, revision: string, clock: Clock): Promise<void> {
  const marker = { apiVersion: API_VERSION, kind: 'HubPublish', id, revision, publishedAt: new Date(clock.now()).toISOString() };
  await store.put(LAST_PUBLISH_KEY, canonicalBytes(marker), { contentType: 'application/json' });
}

/**
 * The state after publishing `compiled`, under `id`. A cluster refused by the
 * mass-prune guard still points at its old bundle: its new fingerprint is
 * forgotten, so the next compile renders it again.
 */
export function stateAfterPublish(id: string, compiled: CompiledFleet, publish: PublishMemo): HubState {
  const clusters = Object.fromEntries(Object.entries(compiled.memo.clusters).filter(([c, m]) => publish.pointers[c]?.digest === m.digest));
  return { format: HUB_STATE_FORMAT, id, revision: compiled.revision, compile: { clusterFiles: compiled.memo.clusterFiles, clusters }, publish };
}
