import { ApiException, CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { DriftlessError, type LeaseLock, type LeaseRecord } from '@driftless/core';
import { translateKubeError, type KubeOperation } from './kube-errors.js';
import { makeTimedApiClient, timeoutError, type KubeClientOptions } from './request-timeout.js';

/**
 * How long one Lease request may take by default, ms: well under the 15 s
 * lease, so that a hung renewal fails (and the agent stops at its renew
 * deadline, 10 s) before a standby may take over.
 */
export const LEASE_REQUEST_TIMEOUT_MS = 5_000;

/**
 * A LeaseLock over a coordination.k8s.io/v1 Lease, as client-go's leader
 * election uses it: create fails when the Lease exists, replace fails when its
 * resourceVersion changed (409). Other failures are classified like the
 * KubeTarget's (by the Status's code and reason, or the network error code),
 * naming `Lease/<namespace>/<name>`. Each request is aborted after
 * `requestTimeoutMs` (default {@link LEASE_REQUEST_TIMEOUT_MS}) and is then
 * `KubeUnavailable`. Throws `InvalidKubeConfig` when `kc` names no current cluster.
 */
export function leaseLock(kc: KubeConfig, namespace: string, name: string, opts: KubeClientOptions = {}): LeaseLock {
  const timeoutMs = opts.requestTimeoutMs ?? LEASE_REQUEST_TIMEOUT_MS;
  const api = makeTimedApiClient(kc, CoordinationV1Api, timeoutMs);
  const object = `Lease/${namespace}/${name}`;
  const body = (record: LeaseRecord, resourceVersion?: string): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      ...(record.holder ? { holderIdentity: record.holder } : {}),
      leaseDurationSeconds: Math.ceil(record.durationMs / 1000),
      leaseTransitions: record.transitions,
      ...(record.acquireTimeMs ? { acquireTime: microTime(record.acquireTimeMs) } : {}),
      ...(record.renewTimeMs ? { renewTime: microTime(record.renewTimeMs) } : {}),
    },
  });
  const fail = (err: unknown, operation: KubeOperation): never => {
    const translated = timeoutError(err, object, operation, timeoutMs) ?? translateKubeError(err, object, operation);
    if (translated instanceof DriftlessError) throw translated;
    // Neither a Status nor a network failure (TLS, credentials): the elector retries at its next renewal anyway.
    const cause = (err as Error | undefined)?.message?.split('\n')[0] ?? String(err);
    throw new DriftlessError('KubeUnavailable', `${object} ${operation} failed: ${cause}`, { object, operation }, { cause: err });
  };
  return {
    async get() {
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        const spec = lease.spec ?? {};
        return {
          version: lease.metadata?.resourceVersion ?? '',
          record: {
            ...(spec.holderIdentity ? { holder: spec.holderIdentity } : {}),
            ...(spec.acquireTime ? { acquireTimeMs: new Date(spec.acquireTime).getTime() } : {}),
            ...(spec.renewTime ? { renewTimeMs: new Date(spec.renewTime).getTime() } : {}),
            durationMs: (spec.leaseDurationSeconds ?? 15) * 1000,
            transitions: spec.leaseTransitions ?? 0,
          },
        };
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        return fail(err, 'get');
      }
    },
    async create(record) {
      try {
        await api.createNamespacedLease({ namespace, body: body(record) });
        return true;
      } catch (err) {
        if (err instanceof ApiException && err.code === 409) return false;
        return fail(err, 'create');
      }
    },
    async update(record, version) {
      try {
        await api.replaceNamespacedLease({ name, namespace, body: body(record, version) });
        return true;
      } catch (err) {
        if (err instanceof ApiException && err.code === 409) return false;
        return fail(err, 'update');
      }
    },
  };
}

/**
 * A Lease's times are MicroTime, which the API server parses with exactly six
 * fractional digits; client-node would send a Date with three. The string goes
 * through its serializer unchanged.
 */
function microTime(ms: number): Date {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}
