import { createHash } from 'node:crypto';
import { canonicalJson, groupOf, type KubeObject } from '@driftless/core';

/** The ApplySet (KEP-3659) labels and annotations, as kubectl knows them. */
export const APPLYSET = {
  id: 'applyset.kubernetes.io/id',
  partOf: 'applyset.kubernetes.io/part-of',
  tooling: 'applyset.kubernetes.io/tooling',
  groupKinds: 'applyset.kubernetes.io/contains-group-kinds',
  namespaces: 'applyset.kubernetes.io/additional-namespaces',
  /** Ours: the apiVersion of each kind, so a kind that left the bundle can still be listed for pruning. */
  versions: 'driftless.dev/applyset-kinds',
  /** Ours, on members: a digest of the object as the bundle has it, so that removing a field is a change to apply. */
  desired: 'driftless.dev/desired-digest',
  /** Ours: the pointer generation and bundle last accepted, kept in the cluster so replay protection survives restarts. */
  accepted: 'driftless.dev/accepted-pointer',
} as const;

/** Where the inventory's parent object lives: a ConfigMap, one per cluster. */
export interface ApplySetParentRef {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The ApplySet id of a parent, as KEP-3659 defines it:
 * `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1`.
 */
export function applySetId(parent: ApplySetParentRef): string {
  const hash = createHash('sha256').update(`${parent.name}.${parent.namespace}.ConfigMap.`).digest('base64url');
  return `applyset-${hash}-v1`;
}

/** `Kind.group` (just `Kind` for the core group), as contains-group-kinds lists them. */
export function groupKindOf(apiVersion: string, kind: string): string {
  const group = groupOf(apiVersion);
  return group ? `${kind}.${group}` : kind;
}

/**
 * `obj` with the label that makes it a member of the ApplySet `id`, and an
 * annotation with the digest of `obj` itself: a bundle that only removes a
 * field (a label, an env var) changes that annotation, so the object is applied
 * and server-side apply removes the field.
 */
export function asMember(obj: KubeObject, id: string): KubeObject {
  const labels = { ...((obj.metadata['labels'] as Record<string, string> | undefined) ?? {}), [APPLYSET.partOf]: id };
  // The first 20 hex digits of the object's digest (sha256 of its canonical JSON), as a
  // string of its own: a slice of the digest's text would keep all of it, per member, per agent.
  const digest = createHash('sha256').update(canonicalJson(obj), 'utf8').digest().toString('hex', 0, 10);
  const annotations = { ...((obj.metadata['annotations'] as Record<string, string> | undefined) ?? {}), [APPLYSET.desired]: digest };
  return { ...obj, metadata: { ...obj.metadata, labels, annotations } };
}

/** Which kinds (with an apiVersion each) and which namespaces an inventory's members use. */
export interface Inventory {
  readonly kinds: readonly { readonly apiVersion: string; readonly kind: string }[];
  readonly namespaces: readonly string[];
}

/** The inventory of `members`. */
export function inventoryOf(members: readonly KubeObject[]): Inventory {
  return {
    kinds: members.map((m) => ({ apiVersion: m.apiVersion, kind: m.kind })),
    namespaces: members.map((m) => m.metadata.namespace).filter((n): n is string => !!n),
  };
}

/** Both inventories at once: what the parent must declare while moving from one to the other. */
export function unionOf(a: Inventory, b: Inventory): Inventory {
  return { kinds: [...a.kinds, ...b.kinds], namespaces: [...a.namespaces, ...b.namespaces] };
}

/** The parent ConfigMap declaring which kinds and namespaces the members use, with `binaryData` (the member record) when given. */
export function parentObject(
  parent: ApplySetParentRef,
  inventory: Inventory,
  tooling: string,
  extraAnnotations: Readonly<Record<string, string>> = {},
  binaryData?: Readonly<Record<string, string>>,
): KubeObject {
  const kinds = new Map<string, string>();
  for (const k of inventory.kinds) kinds.set(groupKindOf(k.apiVersion, k.kind), k.apiVersion);
  const namespaces = [...new Set(inventory.namespaces.filter((n) => n !== parent.namespace))].sort();
  const sorted = [...kinds.keys()].sort();
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: parent.name,
      namespace: parent.namespace,
      labels: { [APPLYSET.id]: applySetId(parent) },
      annotations: {
        [APPLYSET.tooling]: tooling,
        [APPLYSET.groupKinds]: sorted.join(','),
        [APPLYSET.namespaces]: namespaces.join(','),
        [APPLYSET.versions]: sorted.map((gk) => `${kinds.get(gk) ?? ''}/${gk.split('.')[0] ?? ''}`).join(','),
        ...extraAnnotations,
      },
    },
    ...(binaryData ? { binaryData } : {}),
  };
}

/** The inventory a live parent declares (ours); empty when there is none. */
export function declaredInventory(parent: KubeObject | undefined): Inventory {
  const annotations = (parent?.metadata['annotations'] as Record<string, string> | undefined) ?? {};
  return { kinds: memberKinds(parent), namespaces: (annotations[APPLYSET.namespaces] ?? '').split(',').filter(Boolean) };
}

/** The apiVersion/kind pairs a parent says its members use (ours), empty when it has none. */
export function memberKinds(parent: KubeObject | undefined): { apiVersion: string; kind: string }[] {
  const text = (parent?.metadata['annotations'] as Record<string, string> | undefined)?.[APPLYSET.versions] ?? '';
  return text
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const i = s.lastIndexOf('/');
      return { apiVersion: s.slice(0, i), kind: s.slice(i + 1) };
    });
}
