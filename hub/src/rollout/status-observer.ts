import pLimit from 'p-limit';
import { statusSchema, STATUS_MAX_BYTES, storeLayout, parseJsonDocument, type Digest, type ObjectStore, type ObservedStatus } from '@driftless/core';
import { quietLog, type HubLog } from '../hub-log.js';

/** Requests an observer made since it was created: what the bench and the tests count. */
export interface ObserverRequests {
  list: number;
  /** GETs that returned a body (200). */
  get: number;
  /** Conditional GETs answered `not-modified` (304): they cost no body. */
  notModified: number;
}

/** Reads agents' statuses for the rollout controller, cheaply (see createStatusObserver). */
export interface StatusObserver {
  /**
   * Every cluster's last valid status, by cluster name; only `clusters` when
   * given. A cluster with no status, or whose status is not a valid document
   * (logged), is absent.
   */
  observe(clusters?: Iterable<string>): Promise<Map<string, ObservedStatus>>;
  readonly requests: Readonly<ObserverRequests>;
}

interface Seen {
  readonly etag: string;
  /** Undefined when the document at `etag` was not a valid status: not read again until it changes. */
  readonly status?: ObservedStatus;
}

const STATUS_SUFFIX = '/status.json';

/**
 * A status observer over `store` that lists `clusters/` once per call and
 * GETs only the status.json whose ETag changed since its previous call (it
 * keeps each cluster's ETag and status in memory): at 10,000 clusters with
 * nothing new, a step costs ten list pages, not 10,000 GETs. When the store's
 * listing gives no ETags (the file store), each status is read with
 * If-None-Match, so an unchanged one still costs no body. An invalid status
 * is skipped with a log line, never an error: one broken agent must not stop
 * every rollout step.
 */
export function createStatusObserver(store: ObjectStore, opts: { log?: HubLog; concurrency?: number } = {}): StatusObserver {
  const log = opts.log ?? quietLog;
  const limit = pLimit(opts.concurrency ?? 32);
  const seen = new Map<string, Seen>();
  const requests: ObserverRequests = { list: 0, get: 0, notModified: 0 };

  const read = async (cluster: string, listedEtag: string | undefined): Promise<void> => {
    const known = seen.get(cluster);
    if (known && listedEtag !== undefined && known.etag === listedEtag) return;
    const key = storeLayout.status(cluster);
    const got = await store.get(key, { maxBytes: STATUS_MAX_BYTES, ...(known ? { ifNoneMatch: known.etag } : {}) });
    if (got.kind === 'not-modified') {
      requests.notModified += 1;
      return;
    }
    if (got.kind === 'not-found') {
      seen.delete(cluster);
      return;
    }
    requests.get += 1;
    seen.set(cluster, { etag: got.etag, ...decode(cluster, key, got.body) });
  };

  const decode = (cluster: string, key: string, body: Uint8Array): { status?: ObservedStatus } => {
    try {
      const s = parseJsonDocument(statusSchema, body, `status ${key}`);
      if (s.cluster !== cluster) throw new Error(`it names cluster ${s.cluster}`);
      const status: ObservedStatus = {
        phase: s.phase,
        observedGeneration: s.observedGeneration,
        heartbeatAt: s.heartbeatAt,
        ...(s.appliedBundle !== undefined ? { appliedBundle: s.appliedBundle as Digest } : {}),
        ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
      };
      return { status };
    } catch (err) {
      log({ level: 'warn', msg: 'status skipped: not a valid status document', cluster, key, error: (err as Error).message });
      return {};
    }
  };

  return {
    requests,
    async observe(clusters) {
      const wanted = clusters === undefined ? undefined : new Set(clusters);
      const listed = new Map<string, string | undefined>();
      let pageToken: string | undefined;
      do {
        const page = await store.list(storeLayout.clustersPrefix, pageToken === undefined ? {} : { pageToken });
        requests.list += 1;
        page.keys.forEach((key, i) => {
          if (!key.endsWith(STATUS_SUFFIX)) return;
          const cluster = key.slice(storeLayout.clustersPrefix.length, -STATUS_SUFFIX.length);
          if (wanted === undefined || wanted.has(cluster)) listed.set(cluster, page.etags?.[i]);
        });
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
      for (const cluster of seen.keys()) if (!listed.has(cluster)) seen.delete(cluster);
      await Promise.all([...listed].map(([cluster, etag]) => limit(() => read(cluster, etag))));
      const out = new Map<string, ObservedStatus>();
      for (const cluster of [...listed.keys()].sort()) {
        const status = seen.get(cluster)?.status;
        if (status) out.set(cluster, status);
      }
      return out;
    },
  };
}
