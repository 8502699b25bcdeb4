import { DEFAULT_NAMESPACE_ANNOTATION, describeRef, isUnplaced, refKey, refOf, type KubeObject, type ObjectRef } from '@driftless/core';

/** How many removed objects a refusal names before `…`. */
const SAMPLE = 3;

/**
 * An object's identity as the guard compares them: its ref, except that an
 * unplaced object (no namespace, {@link DEFAULT_NAMESPACE_ANNOTATION} N)
 * counts as in N. That is where a hub before the hint put it, and where an
 * agent puts it if its kind is namespaced: a placement-only change (the first
 * compile after upgrading the hub) removes nothing.
 */
export function guardRefOf(obj: KubeObject): ObjectRef {
  const ref = refOf(obj);
  if (ref.namespace !== '' || !isUnplaced(obj)) return ref;
  const hint = (obj.metadata['annotations'] as Record<string, unknown>)[DEFAULT_NAMESPACE_ANNOTATION];
  return typeof hint === 'string' ? { ...ref, namespace: hint } : ref;
}

/**
 * The mass-prune guard, pure: why moving a cluster from a bundle holding
 * `before` to one holding `after` must be refused (it would remove more than
 * half of the objects it has now), or undefined when the move may go ahead.
 * A cluster with no objects now (or whose old bundle is gone) is never refused.
 * The reason names the first removed objects in `before`'s order. Refs are
 * compared as given: pass {@link guardRefOf}'s.
 */
export function massPruneRefusal(before: readonly ObjectRef[], after: readonly ObjectRef[]): string | undefined {
  const current = new Map(before.map((r) => [refKey(r), describeRef(r)]));
  const kept = new Set(after.map(refKey));
  const removed = [...current].filter(([key]) => !kept.has(key)).map(([, name]) => name);
  if (current.size === 0 || removed.length * 2 <= current.size) return undefined;
  const sample = removed.slice(0, SAMPLE).join(', ');
  const more = removed.length > SAMPLE ? ', …' : '';
  return `would remove ${removed.length} of its ${current.size} objects (${sample}${more}); pass --allow-mass-prune if that is intended`;
}
