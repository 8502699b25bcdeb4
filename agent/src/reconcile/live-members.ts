import { groupOf, isDriftlessError, refKey, refOf, type KubeObject, type KubeTarget } from '@driftless/core';
import { APPLYSET } from './applyset.js';

/** A kind as the inventory names it: the first apiVersion seen for its group. */
export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * The live members of one ApplySet, read with one list per kind (by the
 * ApplySet label) instead of a read per object, so a pass over a large bundle
 * with nothing to do costs a few requests. Each kind is listed at most once
 * per pass; create one per pass.
 */
export class LiveMembers {
  private readonly listed = new Map<string, Map<string, KubeObject>>();
  private partial = false;

  constructor(
    private readonly kube: KubeTarget,
    private readonly applySetId: string,
  ) {}

  /**
   * Whether some kind could not be listed for a reason other than not being
   * served (403 after RBAC was narrowed): members of it may exist unseen, so
   * nothing may be pruned.
   */
  get incomplete(): boolean {
    return this.partial;
  }

  /** The live members of a kind, by refKey; none for a kind nobody serves (yet: its CRD comes in this pass; or any more). */
  async of(apiVersion: string, kind: string): Promise<ReadonlyMap<string, KubeObject>> {
    return await this.listedOf(apiVersion, kind);
  }

  private async listedOf(apiVersion: string, kind: string): Promise<Map<string, KubeObject>> {
    const gk = `${groupOf(apiVersion)}/${kind}`;
    const hit = this.listed.get(gk);
    if (hit) return hit;
    const items = await this.kube.list(apiVersion, kind, `${APPLYSET.partOf}=${this.applySetId}`).catch((err: unknown) => {
      if (!isDriftlessError(err, 'KubeRefused')) throw err;
      if (err.data.status !== 404 && err.data.status !== undefined) this.partial = true;
      return [];
    });
    const byKey = new Map(items.map((o) => [refKey(refOf(o)), o]));
    this.listed.set(gk, byKey);
    return byKey;
  }

  /**
   * The live form of one member, handed over once: this pass then forgets it,
   * so it does not hold every live object until prune, which needs only
   * objects outside the bundle (see prune's ownedLeftovers).
   */
  async take(apiVersion: string, kind: string, key: string): Promise<KubeObject | undefined> {
    const byKind = await this.listedOf(apiVersion, kind);
    const live = byKind.get(key);
    byKind.delete(key);
    return live;
  }
}

/** Each kind once (by group, not version), first apiVersion seen. */
export function uniqueKinds(kinds: readonly KindRef[]): KindRef[] {
  const seen = new Map<string, KindRef>();
  for (const k of kinds) {
    const gk = `${groupOf(k.apiVersion)}/${k.kind}`;
    if (!seen.has(gk)) seen.set(gk, { apiVersion: k.apiVersion, kind: k.kind });
  }
  return [...seen.values()];
}
