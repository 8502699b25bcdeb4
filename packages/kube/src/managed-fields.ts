import type { KubeObject } from '@driftless/core';

/**
 * Drops the field sets (`fieldsV1`) from `obj`'s managedFields in place,
 * keeping each entry's manager, operation, apiVersion, time and subresource.
 * The agent needs only the managers' names (prune deletes only objects
 * `driftless` manages; drift compares fields, never managedFields), while the
 * field sets are often as large as the object itself, and an agent holds every
 * apply and list response of a pass: a 5,000-object bundle's would not fit its
 * memory limit. Call only on an object just parsed from a response.
 */
export function withoutFieldSets<T extends KubeObject>(obj: T): T {
  const entries = (obj.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  if (Array.isArray(entries)) for (const e of entries) if (typeof e === 'object' && e !== null) delete (e as { fieldsV1?: unknown }).fieldsV1;
  return obj;
}
