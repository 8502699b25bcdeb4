import { DriftlessError, type LeaseLock, type LeaseRecord } from '@driftless/core';
import type { KubeConfigSource } from './kube-config.js';
import { isKubeAnswer, translateKubeError, type KubeOperation } from './kube-errors.js';
import { createKubeHttp } from './kube-http.js';
import { timeoutError, type KubeClientOptions } from './request-timeout.js';

/** The fields of a coordination.k8s.io/v1 Lease that leader election reads and writes; times are MicroTime strings. */
interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number; acquireTime?: string; renewTime?: string };
}

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
export function leaseLock(kc: KubeConfigSource, namespace: string, name: string, opts: KubeClientOptions = {}): LeaseLock {
  const timeoutMs = opts.requestTimeoutMs ?? LEASE_REQUEST_TIMEOUT_MS;
  const http = createKubeHttp(kc, timeoutMs);
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(name)}`;
  const object = `Lease/${namespace}/${name}`;
  const body = (record: LeaseRecord, resourceVersion?: string): string => JSON.stringify({
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
  } satisfies Lease);
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
        const lease = await http<Lease>({ method: 'GET', path });
        const spec = lease.spec ?? {};
        return {
          version: lease.metadata.resourceVersion ?? '',
          record: {
            ...(spec.holderIdentity ? { holder: spec.holderIdentity } : {}),
            ...(spec.acquireTime ? { acquireTimeMs: new Date(spec.acquireTime).getTime() } : {}),
            ...(spec.renewTime ? { renewTimeMs: new Date(spec.renewTime).getTime() } : {}),
            durationMs: (spec.leaseDurationSeconds ?? 15) * 1000,
            transitions: spec.leaseTransitions ?? 0,
          },
        };
      } catch (err) {
        if (isKubeAnswer(err) && err.code === 404) return undefined;
        return fail(err, 'get');
      }
    },
    async create(record) {
      try {
        await http({ method: 'POST', path: collection, body: body(record) });
        return true;
      } catch (err) {
        if (isKubeAnswer(err) && err.code === 409) return false;
        return fail(err, 'create');
      }
    },
    async update(record, version) {
      try {
        await http({ method: 'PUT', path, body: body(record, version) });
        return true;
      } catch (err) {
        if (isKubeAnswer(err) && err.code === 409) return false;
        return fail(err, 'update');
      }
    },
  };
}

/** A Lease's times are MicroTime, which the API server parses with exactly six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
