import pLimit from 'p-limit';
import { DriftlessError, decodePointer, type GetResult, listAll, parseJsonDocument, STATUS_MAX_BYTES, statusSchema, storeLayout, type Clock, type ObjectStore, type Phase } from '@driftless/core';

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
}

/** The largest status document `driftless status` reads (core's cap, 1 MiB): a larger one is shown as an error for its cluster instead of being read into memory. */
export { STATUS_MAX_BYTES };
/** The largest pointer `driftless status` reads, in bytes: a pointer is well under 1 KiB. */
const POINTER_MAX_BYTES = 64 * 1024;

const SEVERITY: Record<ClusterStatusRow['phase'], number> = { Failed: 0, Stale: 1, Degraded: 1, Unknown: 2, Progressing: 4, Applied: 5 };

/**
 * Every cluster with a pointer or a status in the store, with its desired and
 * applied generations, phase and heartbeat age; clusters that fail or lag
 * first (then by name). A document that cannot be read, or is larger than its
 * cap ({@link STATUS_MAX_BYTES}), shows as its error, naming the key.
 * Heartbeat ages are measured against `clock`.
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
        const [p, s] = await Promise.all([capped(storeLayout.pointer(cluster), POINTER_MAX_BYTES), capped(storeLayout.status(cluster), STATUS_MAX_BYTES)]);
        const pointer = p.kind === 'found' ? read(() => decodePointer(p.body, storeLayout.pointer(cluster), cluster), (e) => (lastError = e)) : undefined;
        const status =
          s.kind === 'found' ? read(() => parseJsonDocument(statusSchema, s.body, storeLayout.status(cluster)), (e) => (lastError = e)) : undefined;
        const lagging = pointer !== undefined && (status?.observedGeneration ?? 0) < pointer.generation;
        return {
          cluster,
          ...(pointer ? { desiredRevision: pointer.revision, desiredGeneration: pointer.generation } : {}),
          ...(status ? { appliedGeneration: status.observedGeneration } : {}),
          phase: status?.phase ?? 'Unknown',
          ...(status ? { heartbeatAgeSeconds: Math.max(0, Math.round((clock.now() - Date.parse(status.heartbeatAt)) / 1000)) } : {}),
          lagging,
          ...(status?.lastError !== undefined || lastError !== undefined ? { lastError: lastError ?? status?.lastError ?? '' } : {}),
        };
      }),
    ),
  );
  const rank = (r: ClusterStatusRow): number => (r.phase === 'Applied' || r.phase === 'Progressing') && r.lagging ? 3 : SEVERITY[r.phase];
  return rows.sort((a, b) => rank(a) - rank(b) || (a.cluster < b.cluster ? -1 : 1));
}

function read<T>(fn: () => T, onError: (message: string) => void): T | undefined {
  try {
    return fn();
  } catch (err) {
    onError((err as Error).message);
    return undefined;
  }
}
