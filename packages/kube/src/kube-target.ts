import {
  ApiException,
  HttpMethod,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type ResponseContext,
  type V1APIResource,
} from '@kubernetes/client-node';
import {
  describeRef,
  groupOf,
  type KubeObject,
  type KubeObjectRef,
  type KubeRequestCounters,
  type KubeResourceInfo,
  type KubeTarget,
} from '@driftless/core';
import { KindNotServedError, translateKubeError, type KubeOperation } from './kube-errors.js';
import { withoutFieldSets } from './managed-fields.js';
import { DEFAULT_KUBE_REQUEST_TIMEOUT_MS, makeTimedApiClient, timeoutError, type KubeClientOptions } from './request-timeout.js';

/** A KubeTarget over a real API server, with its request counters. */
export interface RealKubeTarget extends KubeTarget {
  readonly counters: KubeRequestCounters;
}

/**
 * KubernetesObjectApi speaking plain JSON. client-node passes known kinds
 * through its typed models, which drop every field they do not know: a CRD's
 * `x-kubernetes-preserve-unknown-fields` (spelt differently in the model), or
 * any field newer than the client. Objects go out and come back exactly as the
 * API server speaks them. Its (cached, refreshed-on-miss) discovery is public.
 */
class PlainJsonObjectApi extends KubernetesObjectApi {
  discover(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }

  /**
   * Every request's path starts here: a kind its (served) group/version does
   * not have fails with our own error, before any request, rather than
   * client-node's untyped one. A group/version nobody serves fails discovery with 404.
   */
  protected override async specUriPath(spec: KubernetesObject, action: Parameters<KubernetesObjectApi['specUriPath']>[1]): Promise<string> {
    const apiVersion = spec.apiVersion ?? 'v1';
    if (spec.kind && !(await this.resource(apiVersion, spec.kind))) throw new KindNotServedError(apiVersion, spec.kind);
    return await super.specUriPath(spec, action);
  }

  /** Server-side apply with force, the body being `obj`'s own JSON. */
  async serverSideApply(obj: KubeObject, fieldManager: string): Promise<KubeObject> {
    // specUriPath fills in a missing namespace on what it is given: not on the caller's object.
    const path = await this.specUriPath({ ...obj, metadata: { ...obj.metadata } } as KubernetesObject, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('fieldManager', fieldManager);
    request.setQueryParam('force', 'true');
    request.setBody(JSON.stringify(obj));
    return (await this.requestPromise(request)) as KubeObject;
  }

  /** Successful responses as parsed JSON, not typed models (which turn timestamps into Dates and drop unknown fields). */
  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext, type?: string): Promise<T> {
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return JSON.parse(await response.body.text()) as T;
    return await super.processResponse(response, type);
  }
}

/**
 * The KubeTarget over @kubernetes/client-node 1.x. Discovery is cached per
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
export function createKubeTarget(kc: KubeConfig, opts: KubeClientOptions = {}): RealKubeTarget {
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_KUBE_REQUEST_TIMEOUT_MS;
  const api = makeTimedApiClient(kc, PlainJsonObjectApi, timeoutMs);
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
  const spec = (ref: KubeObjectRef): KubernetesObject => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  });

  return {
    counters,
    async resourceOf(apiVersion, kind): Promise<KubeResourceInfo | undefined> {
      const ref = { apiVersion, kind, name: '*' };
      const found = await call(ref, 'discover', false, async () => {
        try {
          return await api.discover(apiVersion, kind);
        } catch (err) {
          // A group/version the server does not serve at all answers 404.
          if (err instanceof ApiException && err.code === 404) return undefined;
          throw err;
        }
      });
      return found ? { resource: found.name, namespaced: found.namespaced } : undefined;
    },

    async apply(obj, fieldManager) {
      const ref = refOfObject(obj);
      return withoutFieldSets(await call(ref, 'apply', true, () => api.serverSideApply(obj, fieldManager)));
    },

    async get(ref) {
      return await call(ref, 'get', false, async () => {
        try {
          return withoutFieldSets((await api.read(spec(ref) as KubernetesObject & { metadata: { name: string } })) as KubeObject);
        } catch (err) {
          if (err instanceof ApiException && err.code === 404) return undefined;
          throw err;
        }
      });
    },

    async list(apiVersion, kind, labelSelector) {
      const ref = { apiVersion, kind, name: '*' };
      const items: KubeObject[] = [];
      let token: string | undefined;
      do {
        const page = await call(ref, 'list', false, () =>
          api.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector, 500, token),
        );
        // List items come without apiVersion and kind; callers get whole objects.
        items.push(...(page.items as KubeObject[]).map((o) => withoutFieldSets({ ...o, apiVersion, kind })));
        // Plain JSON: the list's `metadata.continue`, not the typed model's `_continue`.
        token = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
      } while (token);
      return items;
    },

    async delete(ref) {
      return await call(ref, 'delete', true, async () => {
        try {
          await api.delete(spec(ref), undefined, undefined, undefined, undefined, 'Background');
          return true;
        } catch (err) {
          if (err instanceof ApiException && err.code === 404) return false;
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
