import { describeRef, refOf, type KubeObject } from '@driftless/core';
import { applyOrder } from './apply-order.js';
import { inventoryOf, unionOf } from './applyset.js';
import type { Change } from './change-set.js';
import { closeInventory, type InventoryDeps, type OpenInventory } from './inventory.js';
import { uniqueKinds } from './live-members.js';
import { kubeRefOf } from './object-ref.js';

/**
 * How pruning went: `pruned` (with an entry per object deleted, the
 * inventory closed), `skipped` (nothing deleted: some object `failed` this
 * pass, or some kind could not be listed, `incomplete`), or `aborted` by the
 * signal before a delete (the entries so far).
 */
export type PruneResult =
  | { readonly kind: 'pruned'; readonly changes: readonly Change[] }
  | { readonly kind: 'skipped'; readonly reason: 'failed' | 'incomplete' }
  | { readonly kind: 'aborted'; readonly changes: readonly Change[] };

/**
 * Deletes the members that left the bundle, in reverse apply order, then
 * closes the inventory (see closeInventory) — but only when every object of
 * the pass applied (`applied` has no failed entry) and every kind the
 * inventory declares could be listed. Only members of this inventory are
 * candidates, and only where the inventory says its members live (KEP-3659):
 * the parent's namespace, its additional namespaces, and cluster scope; a
 * copy of a member elsewhere is not ours.
 */
export async function prune(inv: OpenInventory, applied: readonly Change[], deps: InventoryDeps): Promise<PruneResult> {
  if (applied.some((c) => c.action === 'failed')) return { kind: 'skipped', reason: 'failed' };
  const union = unionOf(inv.before, inventoryOf(inv.members));
  const namespaces = new Set([deps.parent.namespace, ...union.namespaces]);
  const stale: KubeObject[] = [];
  for (const { apiVersion, kind } of uniqueKinds(union.kinds)) {
    for (const [key, o] of await inv.live.of(apiVersion, kind)) {
      const ns = o.metadata.namespace;
      if (!inv.wanted.has(key) && (ns === undefined || namespaces.has(ns))) stale.push(o);
    }
  }
  if (inv.live.incomplete) return { kind: 'skipped', reason: 'incomplete' };
  const changes: Change[] = [];
  for (const o of applyOrder(stale, (x) => x.metadata.namespace !== undefined).reverse()) {
    if (deps.signal?.aborted) return { kind: 'aborted', changes };
    if (await deps.kube.delete(kubeRefOf(o))) changes.push({ object: describeRef(refOf(o)), action: 'pruned', reason: 'left the bundle' });
  }
  if ((await closeInventory(inv, deps)) === 'aborted') return { kind: 'aborted', changes };
  return { kind: 'pruned', changes };
}
