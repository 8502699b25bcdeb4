import pLimit from 'p-limit';
import {
  DriftlessError,
  decodePointer,
  type GetResult,
  listAll,
  parseJsonDocument,
  STATUS_MAX_BYTES,
  statusSchema,
  storeLayout,
  type Clock,
  type ObjectStore,
  type Phase,
  type Pointer,
  type Status,
} from '@driftless/core';
import { MAX_POINTER_BYTES } from './publish/pointer-moves.js';

/** One cluster in `driftless status`. */
export interface ClusterStatusRow {
  readonly cluster: string;
  readonly desiredRevision?: string;
  readonly desiredGeneration?: number;
  readonly appliedGeneration?: number;
  /** The agent's phase; `Unknown` when it never reported. */
  readonly phase: Phase | 'Unknown';
  /** Seconds since the last heartbeat; absent when it never reported. */
  readonly heartbeatAgeSeconds?: number;
  /** Whether the applied generation is behind the desired one. */
  readonly lagging: boolean;
  readonly lastError?: string;
  /**
   * Whether the agent said it runs with `--insecure-skip-verify` (it accepts
   * unsigned pointers: anyone who can write the store can steer it); false
   * when it said it verifies. Null when unknown: it never reported, or it is
   * older than 0.2.0 and did not say (those verified nothing by default).
   */
  readonly insecureSkipVerify: boolean | null;
  /** The agent's version, from its status; absent when it never reported. */
  readonly agentVersion?: string;
  /**
   * With phase Stale: the expired pointer the agent holds the cluster at.
   * `ageSeconds` is its age now (now minus `publishedAt`), `expiresAt` when it
   * stopped being accepted.
   */
  readonly stale?: { readonly generation: number; readonly publishedAt: string; readonly expiresAt: string; readonly ageSeconds: number };
  /** The previews bundle its pointer names (a preview host); absent when none. */
  readonly desiredPreviews?: string;
  /** The previews bundle its agent last applied, from its status; absent when none. */
  readonly appliedPreviews?: string;
  /** Per-app phase and readiness as its agent reported them (`<namespace>/<app>` for a preview's apps); absent when it did not say. */
  readonly apps?: Status['apps'];
}

/** The largest status document `driftless status` reads (core's cap, 1 MiB): a larger one is shown as an error for its cluster instead of being read into memory. */
export { STATUS_MAX_BYTES };
/** The largest pointer `driftless status` reads, in bytes: a pointer is well under 1 KiB. */

const SEVERITY: Record<ClusterStatusRow['phase'], number> = { Failed: 0, Stale: 1, Degraded: 1, Unknown: 2, Progressing: 4, Applied: 5 };

/**
 * Every cluster with a pointer or a status in the store, with its desired and
 * applied generations, phase and heartbeat age, whether its agent skips
 * pointer verification, and for a Stale one the expired pointer's age and
 * expiry, and for a preview host its desired and applied previews bundles
 * and per-app phases; clusters that fail or lag first (then by name). A document that
 * cannot be read, or is larger than its cap ({@link STATUS_MAX_BYTES}), shows
 * as its error, naming the key.
 * Heartbeat and pointer ages are measured against `clock`.
 */
export async function fleetStatus(store: ObjectStore, clock: Clock): Promise<ClusterStatusRow[]> {
  const clusters = new Set<string>();
  for await (const key of listAll(store, storeLayout.clustersPrefix)) {
    const m = /^clusters\/([^/]+)\/(desired|status)\.json$/.exec(key);
    if (m?.[1]) clusters.add(m[1]);
  }
  const limit = pLimit(32);
  const rows = await Promise.all(
    [...clusters].map((cluster) =>
      limit(async (): Promise<ClusterStatusRow> => {
        let lastError: string | undefined;
        const capped = async (key: string, maxBytes: number): Promise<GetResult> =>
          await store.get(key, { maxBytes }).catch((err: unknown) => {
            // One oversized document is that cluster's problem, not the whole report's.
            if (!(err instanceof DriftlessError && err.code === 'TooLarge')) throw err;
            lastError = err.message;
            return { kind: 'not-found' } as const;
          });
        const [p, s] = await Promise.all([capped(storeLayout.pointer(cluster), MAX_POINTER_BYTES), capped(storeLayout.status(cluster), STATUS_MAX_BYTES)]);
        const pointer = p.kind === 'found' ? read(() => decodePointer(p.body, storeLayout.pointer(cluster), cluster), (e) => (lastError = e)) : undefined;
        const status =
          s.kind === 'found' ? read(() => parseJsonDocument(statusSchema, s.body, storeLayout.status(cluster)), (e) => (lastError = e)) : undefined;
        return rowOf(cluster, pointer, status, lastError, clock.now());
      }),
    ),
  );
  const rank = (r: ClusterStatusRow): number => (r.phase === 'Applied' || r.phase === 'Progressing') && r.lagging ? 3 : SEVERITY[r.phase];
  return rows.sort((a, b) => rank(a) - rank(b) || (a.cluster < b.cluster ? -1 : 1));
}

/** One row from what was read; ages in whole seconds before `now` (ms), never negative. */
function rowOf(cluster: string, pointer: Pointer | undefined, status: Status | undefined, lastError: string | undefined, now: number): ClusterStatusRow {
  const seconds = (since: string): number => Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  const lagging = pointer !== undefined && (status?.observedGeneration ?? 0) < pointer.generation;
  const stale = status?.phase === 'Stale' ? status.stale : undefined;
  return {
    cluster,
    ...(pointer ? { desiredRevision: pointer.revision, desiredGeneration: pointer.generation } : {}),
    ...(status ? { appliedGeneration: status.observedGeneration } : {}),
    phase: status?.phase ?? 'Unknown',
    ...(status ? { heartbeatAgeSeconds: seconds(status.heartbeatAt) } : {}),
    lagging,
    ...(status?.lastError !== undefined || lastError !== undefined ? { lastError: lastError ?? status?.lastError ?? '' } : {}),
    insecureSkipVerify: status?.insecureSkipVerify ?? null,
    ...(status ? { agentVersion: status.agentVersion } : {}),
    ...(stale ? { stale: { ...stale, ageSeconds: seconds(stale.publishedAt) } } : {}),
    ...(pointer?.previews !== undefined ? { desiredPreviews: pointer.previews } : {}),
    ...(status?.appliedPreviews !== undefined ? { appliedPreviews: status.appliedPreviews } : {}),
    ...(status?.apps !== undefined ? { apps: status.apps } : {}),
  };
}

function read<T>(fn: () => T, onError: (message: string) => void): T | undefined {
  try {
    return fn();
  } catch (err) {
    onError((err as Error).message);
    return undefined;
  }
}
