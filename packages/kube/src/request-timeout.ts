import { DriftlessError } from '@driftless/core';
import type { KubeConfigSource } from './kube-config.js';

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

/** Why `kc` names no cluster, saying which context and where the kubeconfig comes from. */
export function noCurrentCluster(kc: KubeConfigSource): DriftlessError<'InvalidKubeConfig'> {
  const context = kc.getCurrentContext();
  const reason = context
    ? `its current context ${JSON.stringify(context)} names no cluster that the kubeconfig defines`
    : 'it has no current context (set current-context, or pick one with kubectl config use-context)';
  return invalidKubeConfig(kc, reason);
}

/** A kubeconfig the adapters cannot use, for `reason`: stalled, so reported once rather than failing every pass as internal. */
export function invalidKubeConfig(kc: KubeConfigSource, reason: string): DriftlessError<'InvalidKubeConfig'> {
  const where = 'the kubeconfig (--kubeconfig FILE, else $KUBECONFIG, else ~/.kube/config, else the in-cluster service account)';
  return new DriftlessError('InvalidKubeConfig', `${where} load failed: ${reason}`, { context: kc.getCurrentContext(), reason });
}

/**
 * A request that the timeout of `createKubeHttp` (kube-http.ts) aborted -> a
 * transient `KubeUnavailable` naming `object`; undefined for anything else.
 * An aborted request fails with an `AbortError`, and nothing but the timeout
 * aborts these requests.
 */
export function timeoutError(err: unknown, object: string, operation: string, timeoutMs: number): DriftlessError | undefined {
  if ((err as Error | undefined)?.name !== 'AbortError') return undefined;
  return new DriftlessError('KubeUnavailable', `${object} ${operation} failed: no answer within ${timeoutMs} ms`, { object, operation }, { cause: err });
}
