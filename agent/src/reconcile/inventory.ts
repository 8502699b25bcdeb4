import { groupOf, refKey, refOf, type KubeObject, type KubeTarget } from '@driftless/core';
import { applySetId, asMember, declaredInventory, inventoryOf, parentObject, unionOf, type ApplySetParentRef, type Inventory } from './applyset.js';
import { driftedFields } from './drift.js';
import { LiveMembers } from './live-members.js';
import { encodeRecord, recordOf, UNRECORDED, type MemberRecord, type RecordCodec } from './member-record.js';
import type { Change } from './change-set.js';
import { guardPreviews, type Placed } from './preview-boundary.js';
import { discoverScopes, placed, placementOf } from './settle-scope.js';

/**
 * Kept by the caller between passes over the same bundle: each bundle object's
 * member form (placed by scope, labels, desired-digest annotation), so a pass
 * with nothing to do neither asks discovery nor hashes every object again.
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
  /** Kept by the caller between passes: the member record last written, so an unchanged one is not gzipped again (see RecordCodec). */
  readonly records?: RecordCodec;
  /** Once aborted, no further write is sent. */
  readonly signal?: AbortSignal;
}

/** One pass's inventory (ApplySet, KEP-3659): the bundle as members, the parent, and the live members. */
export interface OpenInventory {
  /** The bundle's objects, placed by their scope from discovery (see settle-scope), as members. */
  readonly members: readonly KubeObject[];
  /** refKeys of the members: what must not be pruned. */
  readonly wanted: ReadonlySet<string>;
  /** What the parent declared before this pass (empty without a parent). */
  readonly before: Inventory;
  /** What the parent recorded before this pass: the only objects prune may delete (see MemberRecord). */
  readonly record: MemberRecord;
  /** The parent as it stands once opened, declaring the old and the new members' kinds. */
  readonly parentNow: KubeObject | undefined;
  readonly live: LiveMembers;
  /** By member: the preview of each that came from the previews bundle (see guardPreviews). */
  readonly previewOf: ReadonlyMap<KubeObject, string>;
  /** Previews-bundle objects refused at the preview boundary (see guardPreviews): not members, failed entries of their preview. */
  readonly refused: readonly Change[];
}

/**
 * Opens the inventory for `objects`: places them by scope (from discovery:
 * see placementOf) and makes them members (labels and desired-digest
 * annotation), creates the parent's namespace when there is no parent yet,
 * and makes the parent declare both the kinds and members it declared and
 * the new ones, so a pass interrupted between the two still knows what to
 * prune next time. Writes only what differs. `aborted` when the signal
 * stopped a write.
 */
export async function openInventory(objects: readonly KubeObject[], deps: InventoryDeps, previews: ReadonlySet<KubeObject> = new Set()): Promise<OpenInventory | 'aborted'> {
  const { kube, parent } = deps;
  const id = applySetId(parent);
  const all = await membersOf(objects, id, deps);
  const parentLive = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: parent.namespace, name: parent.name });
  const record = (deps.records ? deps.records.decode(parentLive) : recordOf(parentLive)) ?? UNRECORDED;
  const { members, previewOf, refused } = previews.size > 0 ? await guardPreviews(all, previews, record, kube) : { members: all.map((p) => p.member), previewOf: new Map(), refused: [] };
  // The parent lives in its namespace: only without a parent can the namespace be missing.
  if (!parentLive && !(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: parent.namespace }))) {
    if (deps.signal?.aborted) return 'aborted';
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: parent.namespace } }, deps.fieldManager);
  }
  const before = declaredInventory(parentLive);
  const wanted = new Set(members.map((m) => refKey(refOf(m))));
  const during = { ...record, members: [...record.members, ...wanted] };
  // Only this agent writes the parent: what it holds after this is what closing compares with.
  const parentNow = await writeParent(unionOf(before, inventoryOf(members)), during, parentLive, deps);
  if (parentNow === 'aborted') return 'aborted';
  return { members, wanted, before, record, parentNow, live: new LiveMembers(kube, id), previewOf, refused };
}

/**
 * Records on the parent that this pass created `keys` (Namespaces and CRDs:
 * the only ones of those kinds prune may ever delete), as soon as they are
 * created, so the fact survives a pass that prunes nothing. The inventory as
 * it stands after; no write when there is nothing new.
 */
export async function recordCreated(inv: OpenInventory, keys: readonly string[], deps: InventoryDeps): Promise<OpenInventory | 'aborted'> {
  const fresh = keys.filter((k) => !inv.record.created.includes(k));
  if (fresh.length === 0) return inv;
  const record = { ...inv.record, created: [...inv.record.created, ...fresh] };
  const parentNow = await writeParent(unionOf(inv.before, inventoryOf(inv.members)), { ...record, members: [...record.members, ...inv.wanted] }, inv.parentNow, deps);
  return parentNow === 'aborted' ? 'aborted' : { ...inv, record, parentNow };
}

/**
 * Closes the inventory after a complete prune: the parent declares and
 * records only the current members and `retained` (objects that left the
 * bundle but stay members: a prune the API refused, to be tried again), and
 * of the created Namespaces and CRDs those still among them. Writes only
 * when that differs.
 */
export async function closeInventory(inv: OpenInventory, retained: readonly KubeObject[], deps: InventoryDeps): Promise<'closed' | 'aborted'> {
  const kept = [...inv.members, ...retained];
  const members = kept.map((o) => refKey(refOf(o)));
  const still = new Set(members);
  const created = inv.record.created.filter((k) => still.has(k));
  return (await writeParent(inventoryOf(kept), { members, created }, inv.parentNow, deps)) === 'aborted' ? 'aborted' : 'closed';
}

/** The bundle's objects as members: placed by scope (discovery asked only for objects the cache does not hold). */
async function membersOf(objects: readonly KubeObject[], id: string, deps: InventoryDeps): Promise<Placed[]> {
  const missing = objects.filter((o) => deps.members?.get(o)?.id !== id);
  const scopes = missing.length > 0 ? await discoverScopes(missing, objects, deps.kube) : new Map<string, boolean>();
  return objects.map((o) => {
    const hit = deps.members?.get(o);
    if (hit?.id === id) return { source: o, member: hit.member };
    const namespaced = scopes.get(`${groupOf(o.apiVersion)}/${o.kind}`);
    const member = asMember(placed(o, placementOf(o, namespaced)), id);
    // A kind nobody serves yet may be served next pass: placed again then.
    if (namespaced !== undefined) deps.members?.set(o, { id, member });
    return { source: o, member };
  });
}

/** Applies the parent declaring `inventory` and holding `record`, unless `live` already has it so; returns what is live now. */
async function writeParent(inventory: Inventory, record: MemberRecord, live: KubeObject | undefined, deps: InventoryDeps): Promise<KubeObject | undefined | 'aborted'> {
  const subject = `ConfigMap/${deps.parent.namespace}/${deps.parent.name}`;
  const data = deps.records ? deps.records.encode(record, subject) : encodeRecord(record, subject);
  const obj = parentObject(deps.parent, inventory, deps.tooling, deps.parentAnnotations, data);
  if (live && driftedFields(obj, live).length === 0) return live;
  if (deps.signal?.aborted) return 'aborted';
  return await deps.kube.apply(obj, deps.fieldManager);
}
