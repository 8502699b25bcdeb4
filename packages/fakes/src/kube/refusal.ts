import { describeRef, DriftlessError, groupOf, type KubeObject, type KubeObjectRef } from '@driftless/core';

/** The ref of an object as the real adapter takes it: the namespace as written (none when absent). */
export function refOfObject(obj: KubeObject): KubeObjectRef {
  const { namespace } = obj.metadata;
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(namespace ? { namespace } : {}) };
}

/**
 * A KubeRefused error worded like the real adapter's: `<object> <operation> failed: <reason>`,
 * naming the object as `Kind/namespace/name`, or `Kind (apiVersion)` for a
 * request about a whole kind (`name: '*'`). `status` is the HTTP status the
 * API server would answer; absent where the real adapter has none.
 */
export function refused(ref: KubeObjectRef, operation: string, reason: string, status?: number): DriftlessError<'KubeRefused'> {
  const object =
    ref.name === '*'
      ? `${ref.kind} (${ref.apiVersion})`
      : describeRef({ group: groupOf(ref.apiVersion), kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name });
  return new DriftlessError('KubeRefused', `${object} ${operation} failed: ${reason}`, { object, operation, reason, ...(status !== undefined ? { status } : {}) });
}
