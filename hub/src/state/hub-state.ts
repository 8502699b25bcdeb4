import { API_VERSION, canonicalBytes, DriftlessError, isDriftlessError, parseJson, type Clock, type ObjectStore } from '@driftless/core';
import type { CompiledFleet, CompileMemo } from '../compile.js';
import type { HubLog } from '../hub-log.js';
import type { PublishMemo } from '../publish/publish-fleet.js';

/**
 * What a hub remembers between runs for one store: the compile memo and the
 * pointers it wrote. Trusted only while the store's `hub/last-publish.json`
 * carries the same id. Its revision is what the roll-forward guard compares
 * against (see roll-forward.ts). Whoever is about to change a pointer first writes a new
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
 * not trusted (3: cluster files are parsed as YAML 1.1, as Kubernetes does;
 * 4: a cluster's compile record carries its stateful key; 5: and its flag
 * namespaces and applied overrides' key, and the compile its flag files' last changes;
 * 6: a remembered pointer carries its previews bundle, which every move keeps).
 */
export const HUB_STATE_FORMAT = 'driftless-hub-state-6';

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

/** The store's marker as read: the id and revision of the last publish, when there is one. */
export interface PublishMarker {
  readonly id?: string;
  /** The revision the last publish moved (or was about to move) pointers to. */
  readonly revision?: string;
  /** The marker's ETag when read (undefined: there was none), for the compare-and-swap of the next write. */
  readonly etag?: string;
}

/** Reads the store's marker of the last publish; `{}` when there is none. */
export async function readPublishMarker(store: ObjectStore): Promise<PublishMarker> {
  const got = await store.get(LAST_PUBLISH_KEY);
  if (got.kind !== 'found') return {};
  const { id, revision } = parseJson(got.body, LAST_PUBLISH_KEY) as { id?: unknown; revision?: unknown };
  return { etag: got.etag, ...(typeof id === 'string' ? { id } : {}), ...(typeof revision === 'string' ? { revision } : {}) };
}

/** The saved state, if there is one and the store's marker (as read) says it is current. */
export async function loadTrustedState(states: HubStateStore, marker: PublishMarker, log: HubLog): Promise<HubState | undefined> {
  const state = await states.load();
  if (!state) return undefined;
  if (marker.id === state.id) return state;
  log({ level: 'info', msg: 'hub state not trusted: the store was published to since', revision: state.revision });
  return undefined;
}

/**
 * Writes the store's marker of the last publish with `id` and `revision`,
 * compare-and-swap against the marker as `read`: when another hub wrote it
 * since (it published meanwhile, maybe a newer revision), nothing is written
 * and this is the stalled `PublishConflict`, so a compile whose roll-forward
 * check was overtaken never moves a pointer.
 */
export async function writePublishMarker(store: ObjectStore, read: PublishMarker, id: string, revision: string, clock: Clock): Promise<PublishMarker> {
  const marker = { apiVersion: API_VERSION, kind: 'HubPublish', id, revision, publishedAt: new Date(clock.now()).toISOString() };
  const body = canonicalBytes(marker);
  const res = read.etag === undefined ? await store.putIfAbsent(LAST_PUBLISH_KEY, body, JSON_TYPE) : await store.put(LAST_PUBLISH_KEY, body, { ...JSON_TYPE, ifMatch: read.etag });
  if (res.kind === 'written' || res.kind === 'created') return { id, revision, etag: res.etag };
  throw new DriftlessError(
    'PublishConflict',
    `revision ${revision} publish failed: another hub published to this store since this compile read ${LAST_PUBLISH_KEY}; compile again (it is checked against what was published)`,
    { key: LAST_PUBLISH_KEY },
  );
}

const JSON_TYPE = { contentType: 'application/json' } as const;

/** Marker write attempts when another pointer writer got there between read and write. */
const MARKER_ATTEMPTS = 4;

/**
 * Writes the marker with a new id (same revision): no compile trusts pointers
 * it remembers from before the caller's pointer writes (a rollout step, a flag
 * set or clear).
 */
export async function invalidateMarker(deps: { readonly store: ObjectStore; readonly clock: Clock; readonly newId: () => string }, revision: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const marker = await readPublishMarker(deps.store);
    try {
      await writePublishMarker(deps.store, marker, deps.newId(), marker.revision ?? revision, deps.clock);
      return;
    } catch (err) {
      if (!isDriftlessError(err, 'PublishConflict') || attempt >= MARKER_ATTEMPTS) throw err;
    }
  }
}

/**
 * The state after publishing `compiled`, under `id`. A cluster refused by the
 * mass-prune guard still points at its old bundle: its new fingerprint is
 * forgotten, so the next compile renders it again.
 */
export function stateAfterPublish(id: string, compiled: CompiledFleet, publish: PublishMemo): HubState {
  const clusters = Object.fromEntries(Object.entries(compiled.memo.clusters).filter(([c, m]) => publish.pointers[c]?.digest === m.digest));
  return { format: HUB_STATE_FORMAT, id, revision: compiled.revision, compile: { clusterFiles: compiled.memo.clusterFiles, clusters, ...(compiled.memo.flags ? { flags: compiled.memo.flags } : {}) }, publish };
}
