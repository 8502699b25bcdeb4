import { refKey, refOf, type KubeObject, type KubeTarget } from '@driftless/core';
import { applySetId, asMember, declaredInventory, inventoryOf, parentObject, unionOf, type ApplySetParentRef, type Inventory } from './applyset.js';
import { driftedFields } from './drift.js';
import { LiveMembers } from './live-members.js';

/**
 * Kept by the caller between passes over the same bundle: each bundle object's
 * member form (labels, desired-digest annotation), so a pass with nothing to
 * do does not hash every object again.
 */
export type MemberCache = WeakMap<KubeObject, { readonly id: string; readonly member: KubeObject }>;

/** What the inventory needs: where its parent lives, how to write, and when to stop writing. */
export interface InventoryDeps {
  readonly kube: KubeTarget;
  readonly parent: ApplySetParentRef;
  readonly fieldManager: string;
  readonly tooling: string;
  /** More annotations for the parent (the agent records the accepted pointer there). */
  readonly parentAnnotations?: Readonly<Record<string, string>>;
  readonly members?: MemberCache;
  /** Once aborted, no further write is sent. */
  readonly signal?: AbortSignal;
}

/** One pass's inventory (ApplySet, KEP-3659): the bundle as members, the parent, and the live members. */
export interface OpenInventory {
  readonly members: readonly KubeObject[];
  /** refKeys of the members: what must not be pruned. */
  readonly wanted: ReadonlySet<string>;
  /** What the parent declared before this pass (empty without a parent). */
  readonly before: Inventory;
  /** The parent as it stands once opened, declaring the old and the new members' kinds. */
  readonly parentNow: KubeObject | undefined;
  readonly live: LiveMembers;
}

/**
 * Opens the inventory for `objects`: makes them members (labels and
 * desired-digest annotation), creates the parent's namespace when there is
 * no parent yet, and makes the parent declare both the kinds it declared and
 * the new ones, so a pass interrupted between the two still knows what to
 * prune next time. Writes only what differs. `aborted` when the signal
 * stopped a write.
 */
export async function openInventory(objects: readonly KubeObject[], deps: InventoryDeps): Promise<OpenInventory | 'aborted'> {
  const { kube, parent } = deps;
  const id = applySetId(parent);
  const members = objects.map((o) => {
    const hit = deps.members?.get(o);
    if (hit?.id === id) return hit.member;
    const member = asMember(o, id);
    deps.members?.set(o, { id, member });
    return member;
  });
  const parentLive = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: parent.namespace, name: parent.name });
  // The parent lives in its namespace: only without a parent can the namespace be missing.
  if (!parentLive && !(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: parent.namespace }))) {
    if (deps.signal?.aborted) return 'aborted';
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: parent.namespace } }, deps.fieldManager);
  }
  const before = declaredInventory(parentLive);
  const during = parentObject(parent, unionOf(before, inventoryOf(members)), deps.tooling, deps.parentAnnotations);
  // Only this agent writes the parent: what it holds after this is what closing compares with.
  const parentNow = await applyIfChanged(during, parentLive, deps);
  if (parentNow === 'aborted') return 'aborted';
  const wanted = new Set(members.map((m) => refKey(refOf(m))));
  return { members, wanted, before, parentNow, live: new LiveMembers(kube, id) };
}

/**
 * Closes the inventory after a complete prune: the parent declares only the
 * current members' kinds and namespaces. Writes only when that differs.
 */
export async function closeInventory(inv: OpenInventory, deps: InventoryDeps): Promise<'closed' | 'aborted'> {
  const final = parentObject(deps.parent, inventoryOf(inv.members), deps.tooling, deps.parentAnnotations);
  return (await applyIfChanged(final, inv.parentNow, deps)) === 'aborted' ? 'aborted' : 'closed';
}

/** Applies `obj` unless `live` (read earlier in the pass) already has every field as we want it; returns what is live now. */
async function applyIfChanged(obj: KubeObject, live: KubeObject | undefined, deps: InventoryDeps): Promise<KubeObject | undefined | 'aborted'> {
  if (live && driftedFields(obj, live).length === 0) return live;
  if (deps.signal?.aborted) return 'aborted';
  return await deps.kube.apply(obj, deps.fieldManager);
}
