import {
  describeRef,
  groupOf,
  type KubeObject,
  type KubeObjectRef,
  type KubeRequestCounters,
  type KubeResourceInfo,
  type KubeTarget,
} from '@driftless/core';
import { createDiscovery } from './discovery.js';
import type { KubeConfigSource } from './kube-config.js';
import { isKubeAnswer, translateKubeError, type KubeOperation } from './kube-errors.js';
import { createKubeHttp } from './kube-http.js';
import { withoutFieldSets } from './managed-fields.js';
import { DEFAULT_KUBE_REQUEST_TIMEOUT_MS, timeoutError, type KubeClientOptions } from './request-timeout.js';

/** A KubeTarget over a real API server, with its request counters. */
export interface RealKubeTarget extends KubeTarget {
  readonly counters: KubeRequestCounters;
}

/** Whether `err` is the API server answering 404. */
const notFound = (err: unknown): boolean => isKubeAnswer(err) && err.code === 404;

/**
 * The KubeTarget over plain JSON requests (kube-http.ts): objects go out and
 * come back exactly as the API server speaks them, with no typed models to
 * drop fields a model does not know (a CRD's preserved unknown fields, or any
 * field newer than a client library). Discovery is cached per
 * apiVersion and looked up again when a kind is missing, so a CRD applied
 * earlier in the same pass is usable. Apply is server-side apply with
 * `force`. Errors are translated at this edge by `translateKubeError`: 429,
 * 5xx and network failures are `KubeUnavailable`; other 4xx, a kind not
 * served and server-side apply's reasonless 500 for an object that does not
 * fit its schema (only for apply: any other request's reasonless 500 is an
 * outage) are `KubeRefused` naming the object. Every request (discovery
 * included) is aborted after `requestTimeoutMs` and is then `KubeUnavailable`.
 * Objects come back with managedFields naming managers but without their
 * field sets (see withoutFieldSets).
 */
export function createKubeTarget(kc: KubeConfigSource, opts: KubeClientOptions = {}): RealKubeTarget {
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_KUBE_REQUEST_TIMEOUT_MS;
  const http = createKubeHttp(kc, timeoutMs);
  // A namespaced object without a namespace goes to the context's namespace (in-cluster: the pod's), as with kubectl.
  const discovery = createDiscovery(http, kc.getContextObject?.(kc.getCurrentContext())?.namespace ?? 'default');
  const counters: KubeRequestCounters = { reads: 0, writes: 0 };
  const call = async <T>(ref: KubeObjectRef, operation: KubeOperation, write: boolean, fn: () => Promise<T>): Promise<T> => {
    if (write) counters.writes += 1;
    else counters.reads += 1;
    try {
      return await fn();
    } catch (err) {
      throw timeoutError(err, describe(ref), operation, timeoutMs) ?? translateKubeError(err, describe(ref), operation);
    }
  };
  const pathOf = (ref: KubeObjectRef): Promise<string> => discovery.pathOf(ref.apiVersion, ref.kind, ref.namespace || undefined, ref.name);

  return {
    counters,
    async resourceOf(apiVersion, kind): Promise<KubeResourceInfo | undefined> {
      const ref = { apiVersion, kind, name: '*' };
      const found = await call(ref, 'discover', false, async () => {
        try {
          return await discovery.resource(apiVersion, kind);
        } catch (err) {
          // A group/version the server does not serve at all answers 404.
          if (notFound(err)) return undefined;
          throw err;
        }
      });
      return found ? { resource: found.name, namespaced: found.namespaced } : undefined;
    },

    async apply(obj, fieldManager) {
      const ref = refOfObject(obj);
      const applied = await call(ref, 'apply', true, async () =>
        http<KubeObject>({
          method: 'PATCH',
          path: await pathOf(ref),
          query: { fieldManager, force: 'true' },
          body: JSON.stringify(obj),
          contentType: 'application/apply-patch+yaml',
        }),
      );
      return withoutFieldSets(applied);
    },

    async get(ref) {
      return await call(ref, 'get', false, async () => {
        try {
          return withoutFieldSets(await http<KubeObject>({ method: 'GET', path: await pathOf(ref) }));
        } catch (err) {
          if (notFound(err)) return undefined;
          throw err;
        }
      });
    },

    async list(apiVersion, kind, labelSelector) {
      const ref = { apiVersion, kind, name: '*' };
      const items: KubeObject[] = [];
      let token: string | undefined;
      do {
        const page = await call(ref, 'list', false, async () =>
          http<{ items?: KubeObject[]; metadata?: { continue?: string } }>({
            method: 'GET',
            path: await discovery.pathOf(apiVersion, kind, undefined),
            query: { labelSelector, limit: 500, continue: token },
          }),
        );
        // List items come without apiVersion and kind; callers get whole objects.
        items.push(...(page.items ?? []).map((o) => withoutFieldSets({ ...o, apiVersion, kind })));
        token = page.metadata?.continue || undefined;
      } while (token);
      return items;
    },

    async delete(ref) {
      return await call(ref, 'delete', true, async () => {
        try {
          await http({ method: 'DELETE', path: await pathOf(ref), query: { propagationPolicy: 'Background' } });
          return true;
        } catch (err) {
          if (notFound(err)) return false;
          throw err;
        }
      });
    },
  };
}

function refOfObject(obj: KubeObject): KubeObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

function describe(ref: KubeObjectRef): string {
  return ref.name === '*'
    ? `${ref.kind} (${ref.apiVersion})`
    : describeRef({ group: groupOf(ref.apiVersion), kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name });
}
