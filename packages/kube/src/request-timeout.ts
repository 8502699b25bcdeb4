import { createConfiguration, ServerConfiguration, type Configuration, type KubeConfig, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import { DriftlessError } from '@driftless/core';

/**
 * How long one Kubernetes request may take, in ms, unless the caller says
 * otherwise: connecting, sending and reading the whole answer. Generous for a
 * page of 500 objects from a busy API server; short enough that a hung
 * connection ends the pass in well under one default interval.
 */
export const DEFAULT_KUBE_REQUEST_TIMEOUT_MS = 30_000;

/** Options every Kubernetes adapter takes. */
export interface KubeClientOptions {
  /** Per-request timeout in ms (default {@link DEFAULT_KUBE_REQUEST_TIMEOUT_MS}); a request past it fails transient. */
  readonly requestTimeoutMs?: number;
}

/**
 * `kc.makeApiClient(type)`, with every request of the client aborted after
 * `timeoutMs`. client-node 1.x sets no timeout of its own, so without this a
 * connection that accepts and never answers holds the caller for ever.
 * Throws stalled `InvalidKubeConfig` when the kubeconfig names no current cluster.
 */
export function makeTimedApiClient<T>(kc: KubeConfig, type: new (config: Configuration) => T, timeoutMs: number): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw noCurrentCluster(kc);
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        // The signal also covers reading the body, which client-node does after the middleware.
        pre: (ctx: RequestContext) => Promise.resolve((ctx.setSignal(AbortSignal.timeout(timeoutMs)), ctx)),
        post: (res: ResponseContext) => Promise.resolve(res),
      },
    ],
  });
  return new type(config);
}

/** Why `kc` names no cluster, saying which context and where the kubeconfig comes from. */
function noCurrentCluster(kc: KubeConfig): DriftlessError<'InvalidKubeConfig'> {
  const context = kc.getCurrentContext();
  const reason = context
    ? `its current context ${JSON.stringify(context)} names no cluster that the kubeconfig defines`
    : 'it has no current context (set current-context, or pick one with kubectl config use-context)';
  const where = 'the kubeconfig (--kubeconfig FILE, else $KUBECONFIG, else ~/.kube/config, else the in-cluster service account)';
  return new DriftlessError('InvalidKubeConfig', `${where} load failed: ${reason}`, { context, reason });
}

/**
 * A request that {@link makeTimedApiClient}'s timeout aborted -> a transient
 * `KubeUnavailable` naming `object`; undefined for anything else. node-fetch
 * rejects an aborted request with an `AbortError`, and nothing but the timeout
 * aborts these requests.
 */
export function timeoutError(err: unknown, object: string, operation: string, timeoutMs: number): DriftlessError | undefined {
  if ((err as Error | undefined)?.name !== 'AbortError') return undefined;
  return new DriftlessError('KubeUnavailable', `${object} ${operation} failed: no answer within ${timeoutMs} ms`, { object, operation }, { cause: err });
}
