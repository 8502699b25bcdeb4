import pLimit from 'p-limit';
import { statusSchema, STATUS_MAX_BYTES, storeLayout, parseJsonDocument, type Digest, type ObjectStore, type ObservedStatus } from '@driftless/core';
import { quietLog, type HubLog } from '../hub-log.js';
import { createEtagReads, type EtagReadCounts } from './etag-reads.js';

/** Requests an observer made since it was created: what the bench and the tests count. */
export type ObserverRequests = EtagReadCounts;

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

const STATUS_SUFFIX = '/status.json';

const clusterOf = (key: string): string => key.slice(storeLayout.clustersPrefix.length, -STATUS_SUFFIX.length);

/** A status document as the rollout observes it; throws when it is not a valid status of its cluster. */
function decode(key: string, body: Uint8Array): ObservedStatus {
  const cluster = clusterOf(key);
  const s = parseJsonDocument(statusSchema, body, `status ${key}`);
  if (s.cluster !== cluster) throw new Error(`it names cluster ${s.cluster}`);
  return {
    phase: s.phase,
    observedGeneration: s.observedGeneration,
    heartbeatAt: s.heartbeatAt,
    ...(s.appliedBundle !== undefined ? { appliedBundle: s.appliedBundle as Digest } : {}),
    ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
  };
}

/**
 * A status observer over `store` that lists `clusters/` once per call and
 * GETs only the status.json whose ETag changed since its previous call (it
 * keeps each cluster's ETag and status in memory: createEtagReads): at
 * 10,000 clusters with nothing new, a step costs ten list pages, not 10,000 GETs. When the store's
 * listing gives no ETags (the file store), each status is read with
 * If-None-Match, so an unchanged one still costs no body. An invalid status
 * is skipped with a log line, never an error: one broken agent must not stop
 * every rollout step.
 */
export function createStatusObserver(store: ObjectStore, opts: { log?: HubLog; concurrency?: number } = {}): StatusObserver {
  const log = opts.log ?? quietLog;
  const limit = pLimit(opts.concurrency ?? 32);
  const requests: ObserverRequests = { list: 0, get: 0, notModified: 0 };
  const statuses = createEtagReads<ObservedStatus>(store, (key, body) => decode(key, body), {
    maxBytes: STATUS_MAX_BYTES,
    counts: requests,
    onInvalid: (key, err) => log({ level: 'warn', msg: 'status skipped: not a valid status document', cluster: clusterOf(key), key, error: err.message }),
  });

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
          const cluster = clusterOf(key);
          if (wanted === undefined || wanted.has(cluster)) listed.set(cluster, page.etags?.[i]);
        });
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
      for (const key of [...statuses.keys()]) if (!listed.has(clusterOf(key))) statuses.forget(key);
      await Promise.all([...listed].map(([cluster, etag]) => limit(() => statuses.refresh(storeLayout.status(cluster), etag))));
      const out = new Map<string, ObservedStatus>();
      for (const cluster of [...listed.keys()].sort()) {
        const status = statuses.value(storeLayout.status(cluster));
        if (status) out.set(cluster, status);
      }
      return out;
    },
  };
}
