import { describeRef, PREVIEW_LABEL, refKey, refOf, type KubeObject, type KubeTarget } from '@driftless/core';
import type { Change } from './change-set.js';
import type { MemberRecord } from './member-record.js';
import { appOf, isNamespace, previewOf as labelOf } from './object-ref.js';

/** A bundle object and its member form (placed by scope from discovery). */
export interface Placed {
  readonly source: KubeObject;
  readonly member: KubeObject;
}

/** What {@link guardPreviews} lets through: the members to apply, the preview of each previews-bundle one, and the refused, as failed entries. */
export interface Guarded {
  readonly members: readonly KubeObject[];
  /** By member: the preview (its PREVIEW_LABEL's value) of each that came from the previews bundle. */
  readonly previewOf: ReadonlyMap<KubeObject, string>;
  readonly refused: readonly Change[];
}

/** A refused previews-bundle member as a failed entry of its app and preview (its prunes wait: see prune). */
function refusal(member: KubeObject, preview: string, cause: string): Change {
  const object = describeRef(refOf(member));
  return { object, action: 'failed', reason: `${object} apply failed: ${cause}`, preview, ...appOf(member) };
}

/**
 * The preview boundary, enforced where discovery is known (the hub cannot
 * know every kind's scope). Whether an object is a preview's comes from the
 * bundle it came from (`previews`, by identity), never from its label, so a
 * release object is always the release's. A previews-bundle object is
 * refused (fails its preview's app and holds back its preview's prunes, not
 * applied) when it is cluster-scoped (its preview's Namespace excepted),
 * outside a Namespace of the previews bundle labelled with its own preview,
 * or in a Namespace that exists and that this agent did not create (not in
 * `record.created`, not labelled with that preview). A preview with any
 * object also in the release (same placed ref) is refused whole; the release
 * and the other previews apply.
 */
export async function guardPreviews(placed: readonly Placed[], previews: ReadonlySet<KubeObject>, record: MemberRecord, kube: KubeTarget): Promise<Guarded> {
  const ofRelease = placed.filter((p) => !previews.has(p.source)).map((p) => p.member);
  const ofPreviews = placed.filter((p) => previews.has(p.source)).map((p) => p.member);
  const slugOf = (m: KubeObject): string => labelOf(m) ?? m.metadata.namespace ?? m.metadata.name;
  const releaseKeys = new Set(ofRelease.map((m) => refKey(refOf(m))));
  // A preview with an object the release has too is refused whole; the other previews go on.
  const clashes = new Map<string, KubeObject>();
  for (const m of ofPreviews) if (releaseKeys.has(refKey(refOf(m))) && !clashes.has(slugOf(m))) clashes.set(slugOf(m), m);
  const owned = await previewNamespaces(ofPreviews.filter((m) => !clashes.has(slugOf(m))), record, kube);
  const members = [...ofRelease];
  const previewOf = new Map<KubeObject, string>();
  const refused: Change[] = [];
  for (const m of ofPreviews) {
    const slug = slugOf(m);
    const clash = clashes.get(slug);
    const cause = clash
      ? `preview ${slug} refused: ${describeRef(refOf(clash))} is in both the release bundle and the previews bundle (an object may come from one of them only)`
      : causeOf(m, slug, owned);
    if (cause !== undefined) refused.push(refusal(m, slug, cause));
    else {
      members.push(m);
      previewOf.set(m, slug);
    }
  }
  return { members, previewOf, refused };
}

/** Each preview Namespace of the previews bundle: its preview, and whether a Namespace of that name exists that is not this agent's. */
type PreviewNamespaces = ReadonlyMap<string, { readonly slug: string; readonly foreign: boolean }>;

/** Why `m` (of preview `slug`) may not be applied, or undefined when it may. */
function causeOf(m: KubeObject, slug: string, owned: PreviewNamespaces): string | undefined {
  const ns = isNamespace(m) ? m.metadata.name : m.metadata.namespace;
  if (ns === undefined) return 'it is cluster-scoped: a preview may hold namespaced objects and its own Namespace only';
  const home = owned.get(ns);
  if (home === undefined || home.slug !== slug) {
    if (isNamespace(m)) return `a preview's Namespace must be labelled ${PREVIEW_LABEL}`;
    return `it is outside its preview's namespace: ${ns} is not a Namespace of preview ${slug} in the previews bundle`;
  }
  if (home.foreign) return `Namespace/${ns} exists and was not created by this agent (a preview does not adopt it)`;
  return undefined;
}

/**
 * The labelled Namespaces of the previews bundle. One read each for those
 * this agent has not recorded creating, so an idle pass reads nothing more.
 */
async function previewNamespaces(ofPreviews: readonly KubeObject[], record: MemberRecord, kube: KubeTarget): Promise<PreviewNamespaces> {
  const created = new Set(record.created);
  const out = new Map<string, { slug: string; foreign: boolean }>();
  for (const m of ofPreviews) {
    const slug = labelOf(m);
    if (!isNamespace(m) || slug === undefined) continue;
    let foreign = false;
    if (!created.has(refKey(refOf(m)))) {
      const live = await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: m.metadata.name });
      foreign = live !== undefined && labelOf(live) !== slug;
    }
    out.set(m.metadata.name, { slug, foreign });
  }
  return out;
}
