import {
  decodePointer,
  parseJsonDocument,
  revisionRecordSchema,
  STATUS_MAX_BYTES,
  statusSchema,
  storeLayout,
  type Clock,
  type Freeze,
  type ObjectStore,
  type Pointer,
  type RevisionRecord,
  type Rollout,
  type Status,
} from '@driftless/core';
import pLimit from 'p-limit';
import { readFreeze } from '../control/freeze.js';
import { MAX_POINTER_BYTES } from '../publish/pointer-moves.js';
import { MAX_REVISION_RECORD_BYTES } from '../publish/revision-record.js';
import { readCurrentRolloutDocument, type RolloutCache } from '../rollout/rollout-store.js';
import { readPublishMarker } from '../state/hub-state.js';
import type { ClusterRow } from './api-types.js';
import { createEtagReads, type EtagReadCounts } from '../rollout/etag-reads.js';

/** The fleet as the dashboard last read it: every cluster's row, sorted by name, and the fleet-wide documents. */
export interface FleetSnapshot {
  /** When it was brought up to date, ms since the epoch (the deps' clock). */
  readonly refreshedAt: number;
  readonly rows: readonly ClusterRow[];
  /** Ring names in delivery order: the current rollout's plan, then any other the revision record names. */
  readonly rings: readonly string[];
  readonly frozen?: Freeze;
  readonly rollout?: Rollout;
  /** Present while refreshes fail: since when (ms since the epoch) and the last failure. The rows are those of `refreshedAt`. */
  readonly stale?: { readonly since: number; readonly error: string };
}

/** The incremental fleet summary (see createFleetSummary). */
export interface FleetSummarySource {
  /**
   * The last snapshot, at once (stale-while-revalidate): when it is older
   * than the refresh interval, a refresh starts in the background and a later
   * call sees it, so no request waits for a walk of the fleet. Only the first
   * call, and the first after invalidate(), wait for a refresh; concurrent
   * callers share it.
   */
  snapshot(): Promise<FleetSnapshot>;
  /** Marks the snapshot out of date: the next snapshot() waits for a refresh that starts after this call (a change made through the dashboard shows in the next answer). */
  invalidate(): void;
  /** A snapshot from a refresh that started after this call: invalidate() then snapshot(). */
  refresh(): Promise<FleetSnapshot>;
  /** Requests made for `clusters/` (listing pages, pointer and status GETs): what the tests count. */
  readonly counts: Readonly<EtagReadCounts>;
}

/** What the summary reads with. */
export interface FleetSummaryDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /**
   * A snapshot is served without a refresh for this long, ms; default 2 000.
   * Never less than three times the last refresh took, so one open page does
   * not keep the hub's event loop busy refreshing a large fleet.
   */
  readonly refreshMs?: number;
  /** Hears of a background refresh that failed (the last snapshot is served meanwhile, marked stale; the next attempt comes one interval later). */
  readonly onRefreshFailed?: (err: Error) => void;
}

const DOC = /^clusters\/([^/]+)\/(desired|status)\.json$/;

/**
 * The fleet summary kept up to date incrementally: each refresh lists
 * `clusters/` once (with ETags where the store gives them), GETs only the
 * desired.json and status.json whose ETag changed (conditional GETs where
 * the listing has none), re-reads the last revision record (rings, labels)
 * only when it changed, and reads the freeze and the current rollout (its
 * document conditionally). The fleet is every cluster with a document
 * under `clusters/` or in the record. Refreshed at most every `refreshMs`, in
 * the background of the calls that find the snapshot older; one refresh at a
 * time. A document that does not decode shows as no document (Unknown), read
 * again when it changes.
 */
export function createFleetSummary(deps: FleetSummaryDeps): FleetSummarySource {
  const { store, clock } = deps;
  const refreshMs = deps.refreshMs ?? 2000;
  const counts: EtagReadCounts = { list: 0, get: 0, notModified: 0 };
  const pointers = createEtagReads<Pointer>(store, (key, body) => decodePointer(body, key, DOC.exec(key)?.[1] ?? ''), { maxBytes: MAX_POINTER_BYTES, counts });
  const statuses = createEtagReads<Status>(store, (key, body) => parseJsonDocument(statusSchema, body, key), { maxBytes: STATUS_MAX_BYTES, counts });
  const records = createEtagReads<RevisionRecord>(store, (key, body) => parseJsonDocument(revisionRecordSchema, body, key), { maxBytes: MAX_REVISION_RECORD_BYTES });
  const rolloutCache: RolloutCache = {};
  const limit = pLimit(32);
  /** Bumped by invalidate(): a snapshot counts as current only when its refresh started at or after the last bump. */
  let wanted = 0;
  let last: { readonly snapshot: FleetSnapshot; readonly generation: number } | undefined;
  let running: Promise<unknown> | undefined;
  /** When the last refresh started, and how long the last one that succeeded took (ms, the deps' clock). */
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let tookMs = 0;

  const startRefresh = (): Promise<unknown> => {
    if (running) return running;
    const generation = wanted;
    const started = clock.now();
    attemptedAt = started;
    running = buildSnapshot()
      .then(
        (snapshot) => {
          tookMs = clock.now() - started;
          last = { snapshot, generation };
        },
        (err: unknown) => {
          // The rows stay those last read; the answer says since when they could not be refreshed.
          if (last) last = { snapshot: { ...last.snapshot, stale: { since: last.snapshot.stale?.since ?? started, error: (err as Error).message } }, generation: last.generation };
          throw err;
        },
      )
      .finally(() => (running = undefined));
    return running;
  };

  const listClusters = async (): Promise<Map<string, Map<string, string | undefined>>> => {
    const listed = new Map<string, Map<string, string | undefined>>();
    let pageToken: string | undefined;
    do {
      const page = await store.list(storeLayout.clustersPrefix, pageToken === undefined ? {} : { pageToken });
      counts.list += 1;
      page.keys.forEach((key, i) => {
        const cluster = DOC.exec(key)?.[1];
        if (cluster === undefined) return;
        const docs = listed.get(cluster) ?? new Map<string, string | undefined>();
        docs.set(key, page.etags?.[i]);
        listed.set(cluster, docs);
      });
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return listed;
  };

  const lastRecord = async (): Promise<RevisionRecord | undefined> => {
    const { revision } = await readPublishMarker(store);
    if (revision === undefined) return undefined;
    const key = storeLayout.revision(revision);
    for (const k of [...records.keys()]) if (k !== key) records.forget(k);
    await records.refresh(key, undefined);
    return records.value(key);
  };

  const buildSnapshot = async (): Promise<FleetSnapshot> => {
    const listed = await listClusters();
    const all = [...listed.values()].flatMap((docs) => [...docs]);
    const listedKeys = new Set(all.map(([key]) => key));
    for (const reads of [pointers, statuses]) for (const key of [...reads.keys()]) if (!listedKeys.has(key)) reads.forget(key);
    await Promise.all(all.map(([key, etag]) => limit(() => (key.endsWith('/desired.json') ? pointers : statuses).refresh(key, etag))));
    const [record, frozen, current] = await Promise.all([lastRecord(), readFreeze(store), readCurrentRolloutDocument(store, rolloutCache)]);
    const rollout = current?.doc;
    // A cluster whose ring has not opened yet may have no pointer and no status: the record still names it.
    const names = new Set([...listed.keys(), ...Object.keys(record?.clusters ?? {})]);
    const rows = [...names].sort().map((cluster) => rowOf(cluster, pointers.value(storeLayout.pointer(cluster)), statuses.value(storeLayout.status(cluster)), { ring: record?.rings?.[cluster], labels: record?.labels?.[cluster] }));
    const rings = [...(rollout?.plan.rings.map((r) => r.name) ?? [])];
    for (const ring of [...new Set(Object.values(record?.rings ?? {}))].sort()) if (!rings.includes(ring)) rings.push(ring);
    return { refreshedAt: clock.now(), rows, rings, ...(frozen ? { frozen } : {}), ...(rollout ? { rollout } : {}) };
  };

  const snapshot = async (): Promise<FleetSnapshot> => {
    // A refresh that started before the last invalidate() (as of this call: later ones do not hold it up) does not count.
    const target = wanted;
    while (last === undefined || last.generation < target) await startRefresh();
    const interval = Math.max(refreshMs, 3 * tookMs);
    if (clock.now() - Math.max(last.snapshot.refreshedAt, attemptedAt) >= interval && running === undefined) {
      startRefresh().catch((err: unknown) => deps.onRefreshFailed?.(err as Error));
    }
    return last.snapshot;
  };
  const invalidate = (): void => void (wanted += 1);
  return {
    counts,
    snapshot,
    invalidate,
    refresh: () => {
      invalidate();
      return snapshot();
    },
  };
}

/** Where the last revision record places a cluster: its ring and labels (undefined: not recorded). */
export interface Placement {
  readonly ring: string | undefined;
  readonly labels: Readonly<Record<string, string>> | undefined;
}

/** A cluster's row from its documents as read (pure). */
export function rowOf(cluster: string, pointer: Pointer | undefined, status: Status | undefined, placement: Placement): ClusterRow {
  const { ring } = placement;
  return {
    cluster,
    phase: status?.phase ?? 'Unknown',
    ...(ring !== undefined ? { ring } : {}),
    labels: placement.labels ?? {},
    ...(pointer ? { desiredRevision: pointer.revision, desiredGeneration: pointer.generation } : {}),
    ...(status ? { appliedGeneration: status.observedGeneration, heartbeatAt: status.heartbeatAt } : {}),
    lagging: pointer !== undefined && (status?.observedGeneration ?? 0) < pointer.generation,
    ...(status?.lastError !== undefined ? { lastError: status.lastError } : {}),
  };
}
