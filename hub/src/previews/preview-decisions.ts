import { formatDurationMs, matchPreviewBranches, previewSlugs, type BranchListing, type Preview, type PreviewName } from '@driftless/core';
import type { BuildableBase, PreviewBase } from './preview-types.js';

/** What the cycle does with one branch's preview. */
export type PreviewPlan =
  /** Its document goes and its objects leave every host. */
  | { readonly kind: 'remove'; readonly doc: Preview; readonly reason: string }
  /** Sync the branch and build it (no document yet, a new commit, or new base inputs). */
  | { readonly kind: 'build'; readonly branch: string; readonly commit: string; readonly name: PreviewName; readonly doc?: Preview }
  /** Built already from this commit and these inputs (or failed on them): nothing to fetch. */
  | { readonly kind: 'keep'; readonly doc: Preview };

/** What {@link planPreviews} reads: the cycle's listing and base, the documents found, the ttl-removed branches, and the time. */
export interface PlanInput {
  readonly listing: BranchListing;
  readonly base: PreviewBase;
  /** The preview documents, by slug. */
  readonly docs: ReadonlyMap<string, Preview>;
  /** Branch -> commit whose preview the ttl removed (see PREVIEWS_EXPIRED_KEY). */
  readonly expired: ReadonlyMap<string, string>;
  /** ms since the epoch, from the injected clock. */
  readonly now: number;
  /** Whether `commit` is merged into the base branch (an ancestor of its head; the head itself is checked before). */
  readonly isMerged: (commit: string) => Promise<boolean>;
}

/** The plans, sorted by branch, and the ttl-removed branches to record from now on. */
export interface PlanResult {
  readonly plans: readonly PreviewPlan[];
  readonly expired: ReadonlyMap<string, string>;
}

/**
 * Decides, for every preview document and every branch the listing has that
 * `spec.previews.branches` matches (the base branch excluded), whether it is
 * removed (`branch deleted`, `no longer matches spec.previews.branches`,
 * `merged into <base>`, `ttl <d> passed without a new commit`), built, or
 * kept as it is. Slugs come from previewSlugs over every matching branch, so
 * they do not depend on which of them are merged or expired, and a live
 * preview keeps its slug (a newcomer that meets it takes the suffix). A
 * branch the ttl removed stays without a preview until its commit changes.
 * Without `spec.previews` every preview is removed (`spec.previews removed`).
 */
export async function planPreviews(input: PlanInput): Promise<PlanResult> {
  const { listing, base, now } = input;
  if (!isBuildable(base)) {
    const plans = [...input.docs.values()].map((doc): PreviewPlan => ({ kind: 'remove', doc, reason: 'spec.previews removed' }));
    return { plans: plans.sort((a, b) => compare(branchOf(a), branchOf(b))), expired: new Map() };
  }
  const baseHead = listing.branches.get(base.branch) ?? base.revision;
  const matched = matchPreviewBranches(base.spec, [...listing.branches.keys()]).filter((b) => b !== base.branch);
  const names = previewSlugs(matched, base.spec.namespace, new Map([...input.docs.values()].map((d) => [d.branch, d.slug])));
  const merged = new Set<string>();
  // One at a time: each may deepen the one cached clone (see BuildStepDeps.gitLimit).
  for (const branch of matched) {
    const commit = listing.branches.get(branch) ?? '';
    if (commit === baseHead || commit === base.revision || (await input.isMerged(commit))) merged.add(branch);
  }
  const expired = new Map([...input.expired].filter(([branch, commit]) => listing.branches.get(branch) === commit));
  const plans: PreviewPlan[] = [];
  const covered = new Set<string>();
  for (const doc of input.docs.values()) {
    const commit = listing.branches.get(doc.branch);
    const reason = removalReason(doc, commit, { matched: names, merged, base, now });
    if (reason !== undefined) {
      plans.push({ kind: 'remove', doc, reason });
      if (reason.startsWith('ttl ') && commit !== undefined) expired.set(doc.branch, commit);
      continue;
    }
    covered.add(doc.branch);
    const name = names.get(doc.branch) as PreviewName;
    plans.push(needsBuild(doc, commit as string, base.inputs) ? { kind: 'build', branch: doc.branch, commit: commit as string, name, doc } : { kind: 'keep', doc });
  }
  for (const [branch, name] of names) {
    const commit = listing.branches.get(branch) as string;
    if (covered.has(branch) || merged.has(branch) || expired.get(branch) === commit) continue;
    plans.push({ kind: 'build', branch, commit, name });
  }
  return { plans: plans.sort((a, b) => compare(branchOf(a), branchOf(b)) || compare(a.kind, b.kind)), expired };
}

/** Why `doc`'s preview goes this cycle, or undefined when it stays. */
function removalReason(
  doc: Preview,
  commit: string | undefined,
  ctx: { matched: ReadonlyMap<string, PreviewName>; merged: ReadonlySet<string>; base: BuildableBase; now: number },
): string | undefined {
  if (commit === undefined) return 'branch deleted';
  const name = ctx.matched.get(doc.branch);
  if (name === undefined) return 'no longer matches spec.previews.branches';
  if (ctx.merged.has(doc.branch)) return `merged into ${ctx.base.branch}`;
  // Slugs are sticky, so only a new namespace template (or one the slug no longer fits) moves a preview.
  if (name.namespace !== doc.namespace) return `its namespace is now ${name.namespace}`;
  if (commit === doc.commit && ctx.now >= Date.parse(doc.expiresAt)) return `ttl ${formatDurationMs(ctx.base.spec.ttl)} passed without a new commit`;
  return undefined;
}

/**
 * Whether the branch must be fetched and built: a commit the document has not
 * seen, or base inputs its last build did not use. A commit whose build
 * failed (a stalled error, recorded) is not tried again until the commit or
 * the inputs change (those of its last build, else those it failed on), so a
 * broken branch costs no fetch per cycle.
 */
function needsBuild(doc: Preview, commit: string, inputs: string): boolean {
  if (doc.commit !== commit) return true;
  const built = doc.built;
  if (doc.error?.commit === commit) return built === undefined ? doc.error.inputs !== inputs : built.inputs !== inputs;
  return built === undefined || built.commit !== commit || built.inputs !== inputs;
}

/** Namespaces of the cluster itself: a preview never goes there. */
const RESERVED_NAMESPACE = /^(default|kube-.*)$/;

/**
 * Why a preview may not use `namespace`, or undefined when it may: `default`
 * and `kube-*` belong to the cluster, and a namespace of the release
 * (PreviewBase.releaseNamespaces) belongs to the fleet; a preview there would
 * take over (and later prune) objects that are not its own.
 */
export function namespaceRefusal(namespace: string, base: Pick<PreviewBase, 'releaseNamespaces'>): string | undefined {
  const change = 'change spec.previews.namespace, or the branch name';
  if (RESERVED_NAMESPACE.test(namespace)) return `preview namespace ${namespace} is reserved (default and kube-* belong to the cluster): ${change}`;
  if (base.releaseNamespaces?.includes(namespace)) return `preview namespace ${namespace} is used by the release (an app's namespace in fleet.yaml): ${change}`;
  return undefined;
}

/** Whether the base has `spec.previews` (else the cycle only removes). */
export function isBuildable(base: PreviewBase): base is BuildableBase {
  return base.spec !== undefined;
}

function branchOf(plan: PreviewPlan): string {
  return plan.kind === 'build' ? plan.branch : plan.doc.branch;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
