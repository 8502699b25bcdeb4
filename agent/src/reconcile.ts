import {
  describeRef,
  DriftlessError,
  groupOf,
  isDriftlessError,
  refKey,
  refOf,
  type Clock,
  type KubeObject,
  type KubeObjectRef,
  type KubeTarget,
} from '@driftless/core';
import { applyOrder } from './apply-order.js';
import { APPLYSET, applySetId, asMember, declaredInventory, inventoryOf, parentObject, unionOf, type ApplySetParentRef } from './applyset.js';
import { driftedFields, drifts } from './drift.js';
import { healthOf } from './health.js';

export interface ReconcileDeps {
  readonly kube: KubeTarget;
  readonly clock: Clock;
  /** The inventory's parent ConfigMap (one per cluster). */
  readonly parent: ApplySetParentRef;
  /** Server-side apply field manager. Default `driftless`. */
  readonly fieldManager?: string;
  /** `applyset.kubernetes.io/tooling`. Default `driftless/v0.1.0`. */
  readonly tooling?: string;
  /** How long a CRD may take to become Established, ms. Default 60 000. */
  readonly crdTimeoutMs?: number;
  /**
   * Fields the API server stores differently from how we wrote them (`cpu: 1000m`
   * becomes `1`), learnt from apply responses and kept between passes by the
   * caller: they are not drift, so they do not make every pass write.
   */
  readonly normalized?: Map<string, Normalized>;
  /** Called before every write; throws to stop the pass (the agent's leadership was lost). */
  readonly beforeWrite?: () => void;
  /** More annotations for the parent (the agent records the accepted pointer there). */
  readonly parentAnnotations?: Readonly<Record<string, string>>;
  /**
   * Kept by the caller between passes over the same bundle: each bundle object's
   * member form (labels, desired-digest annotation) and its JSON, so a pass with
   * nothing to do does not hash every object again.
   */
  readonly members?: MemberCache;
}

/** See {@link ReconcileDeps.members}. */
export type MemberCache = WeakMap<KubeObject, { readonly id: string; readonly member: KubeObject }>;

/** How the server stored one object we applied, where it differs from what we sent: path -> stored value (JSON). */
export interface Normalized {
  /** The desired-digest annotation of the object this was learnt for: a new desired state starts afresh. */
  readonly desired: string;
  readonly values: ReadonlyMap<string, string>;
}

/** What one pass did. */
export interface ReconcileOutcome {
  /** Objects written: created, changed by a new bundle, or reverted after drift. */
  readonly applied: number;
  readonly unchanged: number;
  /** Of the applied: live objects whose fields we manage had been changed by someone else. */
  readonly drifted: number;
  readonly pruned: number;
  /** Objects the API server refused, each with a message naming it; when any, nothing was pruned. */
  readonly failed: readonly { readonly object: string; readonly message: string }[];
  /** Applied objects that are not healthy yet (a Deployment rolling out), with why. */
  readonly notReady: readonly { readonly object: string; readonly reason: string }[];
  /** Applied objects that failed for good (a failed Job), with why. */
  readonly degraded: readonly { readonly object: string; readonly reason: string }[];
}

/**
 * One reconcile pass: applies every object of the bundle that is missing or
 * has drifted (server-side apply, force), in dependency order, waiting for
 * CRDs to be Established; then, only if every object applied, prunes the
 * members of this inventory (ApplySet, KEP-3659) that left the bundle, in
 * reverse order, and reports the health of every applied object (healthOf).
 * Objects outside the inventory are never touched. A pass with
 * no new bundle and no drift sends no write request. A transient API failure
 * aborts the pass (the caller retries with backoff); an object the server
 * refuses fails that object only.
 */
export async function reconcile(objects: readonly KubeObject[], deps: ReconcileDeps): Promise<ReconcileOutcome> {
  const { kube, parent } = deps;
  const fieldManager = deps.fieldManager ?? 'driftless';
  const tooling = deps.tooling ?? 'driftless/v0.1.0';
  const id = applySetId(parent);
  const members = objects.map((o) => {
    const hit = deps.members?.get(o);
    if (hit?.id === id) return hit.member;
    const member = asMember(o, id);
    deps.members?.set(o, { id, member });
    return member;
  });
  const wanted = new Set(members.map((m) => refKey(refOf(m))));

  const parentRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: parent.namespace, name: parent.name };
  const parentLive = await kube.get(parentRef);
  // The parent lives in its namespace: only without a parent can the namespace be missing.
  if (!parentLive && !(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: parent.namespace }))) {
    deps.beforeWrite?.();
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: parent.namespace } }, fieldManager);
  }
  const before = declaredInventory(parentLive);
  // Declare old and new kinds while moving between them, so an interrupted pass
  // still knows what to prune next time.
  const during = parentObject(parent, unionOf(before, inventoryOf(members)), tooling, deps.parentAnnotations);
  // Only this agent writes the parent: what it holds after this is what the last step compares with.
  const parentNow = await applyIfChanged(kube, during, parentLive, fieldManager, deps.beforeWrite);

  let applied = 0;
  let unchanged = 0;
  let drifted = 0;
  const failed: { object: string; message: string }[] = [];
  const notReady: { object: string; reason: string }[] = [];
  const degraded: { object: string; reason: string }[] = [];
  // One list per kind (members only, by the ApplySet label) instead of a read per object:
  // a pass over a large bundle with nothing to do costs a few requests.
  const listed = new Map<string, Map<string, KubeObject>>();
  // Set when some kind could not be listed for a reason other than not being served
  // (403 after RBAC was narrowed): members of it may exist, so nothing is pruned.
  let incomplete = false;
  const membersOf = async (apiVersion: string, kind: string): Promise<Map<string, KubeObject>> => {
    const gk = `${groupOf(apiVersion)}/${kind}`;
    let hit = listed.get(gk);
    if (!hit) {
      const items = await kube.list(apiVersion, kind, `${APPLYSET.partOf}=${id}`).catch((err: unknown) => {
        if (!isDriftlessError(err, 'KubeRefused')) throw err;
        // A kind nobody serves (yet: its CRD comes in this pass; or any more) has no members.
        if (err.data.status !== 404 && err.data.status !== undefined) incomplete = true;
        return [];
      });
      hit = new Map(items.map((o) => [refKey(refOf(o)), o]));
      listed.set(gk, hit);
    }
    return hit;
  };
  for (const kind of uniqueKinds(members)) await membersOf(kind.apiVersion, kind.kind);

  for (const member of applyOrder(members, (o) => o.metadata.namespace !== undefined)) {
    const ref = toRef(member);
    try {
      const key = refKey(refOf(member));
      const live = (await membersOf(member.apiVersion, member.kind)).get(key);
      // The member's desired-digest annotation names its content (see asMember).
      const desiredDigest = (member.metadata['annotations'] as Record<string, string>)[APPLYSET.desired] ?? '';
      const known = deps.normalized?.get(key);
      const stored = known?.desired === desiredDigest ? known.values : new Map<string, string>();
      let current = live;
      // A difference is not drift when the live value is exactly what the server made of ours.
      if (live && drifts(member, live).every((d) => stored.get(d.path) === JSON.stringify(d.live ?? null))) unchanged += 1;
      else {
        deps.beforeWrite?.();
        current = await kube.apply(member, fieldManager);
        applied += 1;
        if (live) drifted += 1;
        // Whatever still differs right after our own apply is how the server normalizes it.
        const after = drifts(member, current);
        if (after.length > 0) {
          deps.normalized?.set(key, { desired: desiredDigest, values: new Map(after.map((d) => [d.path, JSON.stringify(d.live ?? null)])) });
        } else deps.normalized?.delete(key);
      }
      const health = current ? healthOf(current) : { state: 'ready' as const };
      if (health.state === 'progressing') notReady.push({ object: describeRef(refOf(member)), reason: health.reason });
      else if (health.state === 'failed') degraded.push({ object: describeRef(refOf(member)), reason: health.reason });
      if (member.kind === 'CustomResourceDefinition' && groupOf(member.apiVersion) === 'apiextensions.k8s.io') {
        await waitEstablished(kube, deps.clock, ref, deps.crdTimeoutMs ?? 60_000);
        // It is Established now; the object read before the wait said otherwise.
        const i = notReady.findIndex((n) => n.object === describeRef(refOf(member)));
        if (i >= 0) notReady.splice(i, 1);
      }
    } catch (err) {
      if (!isDriftlessError(err, 'KubeRefused')) throw err;
      failed.push({ object: describeRef(refOf(member)), message: err.message });
    }
  }

  let pruned = 0;
  if (failed.length === 0) {
    // Only where the inventory says its members live (KEP-3659): the parent's namespace,
    // its additional namespaces, and cluster scope. A copy of a member elsewhere is not ours.
    const union = unionOf(before, inventoryOf(members));
    const namespaces = new Set([parent.namespace, ...union.namespaces]);
    const stale: KubeObject[] = [];
    for (const { apiVersion, kind } of uniqueKinds(union.kinds)) {
      for (const [key, o] of await membersOf(apiVersion, kind)) {
        const ns = o.metadata.namespace;
        if (!wanted.has(key) && (ns === undefined || namespaces.has(ns))) stale.push(o);
      }
    }
    if (incomplete) {
      return { applied, unchanged, drifted, pruned, failed, notReady, degraded };
    }
    for (const o of applyOrder(stale, (x) => x.metadata.namespace !== undefined).reverse()) {
      deps.beforeWrite?.();
      if (await kube.delete(toRef(o))) pruned += 1;
    }
    await applyIfChanged(kube, parentObject(parent, inventoryOf(members), tooling, deps.parentAnnotations), parentNow, fieldManager, deps.beforeWrite);
  }
  return { applied, unchanged, drifted, pruned, failed, notReady, degraded };
}

/** Applies `obj` unless `live` (read earlier in the pass) already has every field as we want it; returns what is live now. */
async function applyIfChanged(
  kube: KubeTarget,
  obj: KubeObject,
  live: KubeObject | undefined,
  fieldManager: string,
  beforeWrite?: () => void,
): Promise<KubeObject | undefined> {
  if (live && driftedFields(obj, live).length === 0) return live;
  beforeWrite?.();
  return await kube.apply(obj, fieldManager);
}

async function waitEstablished(kube: KubeTarget, clock: Clock, ref: KubeObjectRef, timeoutMs: number): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
    const crd = (await kube.get(ref)) as (KubeObject & { status?: { conditions?: { type: string; status: string }[] } }) | undefined;
    if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (clock.now() > deadline) {
      throw new DriftlessError(
        'KubeRefused',
        `CustomResourceDefinition/${ref.name} apply failed: not Established after ${timeoutMs / 1000}s`,
        { object: `CustomResourceDefinition/${ref.name}`, operation: 'apply', reason: 'not Established' },
      );
    }
    await clock.sleep(pause);
  }
}

/** Each kind once (by group, not version), first apiVersion seen. */
function uniqueKinds(kinds: readonly { apiVersion: string; kind: string }[]): { apiVersion: string; kind: string }[] {
  const seen = new Map<string, { apiVersion: string; kind: string }>();
  for (const k of kinds) {
    const gk = `${groupOf(k.apiVersion)}/${k.kind}`;
    if (!seen.has(gk)) seen.set(gk, { apiVersion: k.apiVersion, kind: k.kind });
  }
  return [...seen.values()];
}

function toRef(o: KubeObject): KubeObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
}
