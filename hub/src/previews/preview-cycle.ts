import pLimit from 'p-limit';
import { API_VERSION, canonicalJson, DEFAULT_BUNDLE_LIMITS, type AuditDraft, type BundleLimits, type Clock, type Digest, type ObjectStore, type Preview, type RepositorySource } from '@driftless/core';
import { readFreeze } from '../control/freeze.js';
import type { HubLog } from '../hub-log.js';
import type { AuditSink } from '../rollout/rollout-controller.js';
import { publishHostBundles, type HostContribution } from './host-bundles.js';
import { buildOnePreview, type BuildOutcome } from './preview-build.js';
import { planPreviews, type PreviewPlan } from './preview-decisions.js';
import { previewHostsAfter, readPreviewHosts, writePreviewHosts } from './previews-hosts.js';
import { deletePreview, readExpired, readPreviews, writeExpired, writePreview } from './preview-store.js';
import type { BuildableBase, BuildPreview, PreviewBuildOptions, PreviewChange, PreviewCycleRequest, PreviewsReport, SetPreviewsPointer } from './preview-types.js';

/** Builds running at once: each holds a branch checkout's renders in memory. */
export const PREVIEW_BUILD_CONCURRENCY = 2;
/** Blob writes in flight at once. */
const BLOB_CONCURRENCY = 8;

/** Everything a preview cycle needs, injected (STYLE.md). */
export interface PreviewCycleDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** `sync` fetches a branch to build; `isDescendant` tells a merged branch. */
  readonly source: Pick<RepositorySource, 'sync' | 'isDescendant'>;
  readonly build: BuildPreview;
  readonly buildOptions: PreviewBuildOptions;
  readonly setPreviews: SetPreviewsPointer;
  readonly audit: AuditSink;
  readonly log: HubLog;
  /** Limits every preview and host bundle is encoded within; default DEFAULT_BUNDLE_LIMITS. */
  readonly bundleLimits?: BundleLimits;
  /**
   * What earlier cycles of this process learnt: whether a branch commit was
   * merged into a base commit (keyed `<base>:<commit>`: neither changes its
   * answer). Without it, every cycle walks the base's history for every
   * preview; with it (a `hub serve` process keeps one), only when the base or
   * the branch moved.
   */
  readonly memo?: PreviewCycleMemo;
}

/** See PreviewCycleDeps.memo; create one with `{ merged: new Map() }` per process. */
export interface PreviewCycleMemo {
  readonly merged: Map<string, boolean>;
  /**
   * Per host, the composition (its previews' slugs and blob digests) its
   * pointer was last set to or found at: a host whose composition did not
   * change is skipped (no blob read, no write, no pointer read). Held and
   * failed hosts are not kept, so they are tried again. Created on first use.
   */
  hosts?: Map<string, string>;
}

/** Answers kept in a PreviewCycleMemo at most: a few previews times the base commits of a day is far less. */
const MERGED_MEMO_MAX = 10_000;

/** One preview after the build step: the document to keep (undefined: removed) and its outcome. */
interface Settled {
  readonly plan: PreviewPlan;
  doc: Preview | undefined;
  change: PreviewChange;
  readonly built?: Extract<BuildOutcome, { kind: 'built' }>;
  audit?: AuditDraft['action'];
}

/**
 * One preview cycle over the branch listing the caller took once: decides
 * which previews exist (planPreviews), fetches and builds only the branches
 * that changed (a few at a time; a failed build keeps the preview's last good
 * build and stops nothing else), gives every host whose previews changed
 * one previews bundle and points it there (a host that fails is held with
 * the error and stops nothing else), then appends
 * `preview.created`/`updated`/`removed` audit entries, writes the preview
 * documents and deletes those of removed previews. Build failures are
 * outcomes (`failed`, logged); store and audit failures throw, and the next
 * cycle starts over from the documents.
 */
export async function runPreviewCycle(deps: PreviewCycleDeps, req: PreviewCycleRequest): Promise<PreviewsReport> {
  const { store, log, clock } = deps;
  const now = clock.now();
  const limits = deps.bundleLimits ?? DEFAULT_BUNDLE_LIMITS;
  const docs = await readPreviews(store, log);
  const hostsBefore = await readPreviewHosts(store, log);
  // Without spec.previews, and nothing left to remove or clear: nothing more to read.
  if (req.base.spec === undefined && docs.size === 0 && hostsBefore.size === 0) return { base: req.base.revision, previews: [], hostsMoved: [], hostsHeld: [] };
  const expiredBefore = await readExpired(store, log);
  const gitLimit = pLimit(1);
  // Judged against the base commit compiled (its objects are in the clone); a merge
  // pushed since the compile is seen at the next cycle, after the next compile. By date:
  // only base history from a week before the branch commit is walked and fetched.
  const isMerged = async (ancestor: string): Promise<boolean> => {
    const key = `${req.base.revision}:${ancestor}`;
    const known = deps.memo?.merged.get(key);
    if (known !== undefined) return known;
    const merged = await gitLimit(() => deps.source.isDescendant({ repo: req.repo, ref: req.base.branch, commit: req.base.revision, ancestor, byDate: true }));
    if (deps.memo && deps.memo.merged.size >= MERGED_MEMO_MAX) deps.memo.merged.clear();
    deps.memo?.merged.set(key, merged);
    return merged;
  };
  const { plans, expired } = await planPreviews({ listing: req.listing, base: req.base, docs, expired: expiredBefore, now, isMerged });

  const cache = new WeakMap<object, Uint8Array>();
  const blobLimit = pLimit(BLOB_CONCURRENCY);
  const buildLimit = pLimit(PREVIEW_BUILD_CONCURRENCY);
  const stepDeps = { ...deps, limits, blobLimit, cache, gitLimit };
  const settled = await Promise.all(
    plans.map(async (plan) => settle(plan, plan.kind === 'build' ? await buildLimit(() => buildOnePreview(stepDeps, req.repo, req.base as BuildableBase, plan)) : undefined, req, now)),
  );

  const live = settled.filter((s) => s.doc !== undefined);
  const hostNames = new Set([...req.base.hosts.map((h) => h.metadata.name), ...[...docs.values()].flatMap((d) => d.hosts), ...hostsBefore]);
  const hosts = await publishHostBundles(
    { store, setPreviews: deps.setPreviews, limits, limit: blobLimit, cache },
    [...hostNames].sort(),
    new Set(req.base.hosts.map((h) => h.metadata.name)),
    live.flatMap((s) => contribution(s)),
    hostMemo(deps.memo, hostNames),
    (await readFreeze(store)) !== undefined,
  );
  for (const s of live) {
    const drop = hosts.dropped.get(s.change.slug);
    if (drop && s.doc) markDropped(s, drop, now);
  }

  // Audit first: a failed append leaves the documents as they were, so the next cycle sees the same change and appends again.
  const actor = req.actor ?? 'hub';
  const drafts = settled.flatMap((s) => (s.audit ? [auditDraft(s, actor)] : []));
  if (drafts.length > 0) await deps.audit.append(drafts);
  await persist(deps, settled, docs);
  await writePreviewHosts(store, hostsBefore, previewHostsAfter(hostsBefore, hosts));
  if (!sameEntries(expired, expiredBefore)) await writeExpired(store, expired);
  return { base: req.base.revision, previews: settled.map((s) => s.change), hostsMoved: hosts.hostsMoved, hostsHeld: hosts.hostsHeld };
}

/** The memo's per-host compositions (created on first use), without hosts this cycle no longer visits. */
function hostMemo(memo: PreviewCycleMemo | undefined, hostNames: ReadonlySet<string>): Map<string, string> | undefined {
  if (!memo) return undefined;
  memo.hosts ??= new Map();
  for (const host of memo.hosts.keys()) if (!hostNames.has(host)) memo.hosts.delete(host);
  return memo.hosts;
}

/** The document a plan leads to, with its outcome and audit action. */
function settle(plan: PreviewPlan, outcome: BuildOutcome | undefined, req: PreviewCycleRequest, now: number): Settled {
  if (plan.kind === 'remove') {
    const d = plan.doc;
    return { plan, doc: undefined, change: { branch: d.branch, slug: d.slug, namespace: d.namespace, commit: d.commit, action: 'removed', reason: plan.reason }, audit: 'preview.removed' };
  }
  if (plan.kind === 'keep' || outcome === undefined) {
    const d = plan.doc as Preview;
    return { plan, doc: d, change: { branch: d.branch, slug: d.slug, namespace: d.namespace, commit: d.commit, action: 'unchanged' } };
  }
  // Only a base with spec.previews plans builds (planPreviews).
  const base = req.base as BuildableBase;
  const at = new Date(now).toISOString();
  const prev = plan.doc;
  const commit = outcome.kind === 'built' ? outcome.commit : plan.commit;
  const newCommit = prev?.commit !== commit;
  const doc: Preview = {
    apiVersion: API_VERSION,
    kind: 'Preview',
    branch: plan.branch,
    slug: plan.name.slug,
    namespace: plan.name.namespace,
    commit,
    apps: [...base.spec.apps],
    hosts: base.hosts.map((h) => h.metadata.name).sort(),
    createdAt: prev?.createdAt ?? at,
    updatedAt: newCommit || !prev ? at : prev.updatedAt,
    expiresAt: newCommit || !prev ? new Date(now + base.spec.ttl).toISOString() : prev.expiresAt,
  };
  const names = { branch: plan.branch, slug: plan.name.slug, namespace: plan.name.namespace, commit };
  if (outcome.kind === 'built') {
    doc.built = { commit, baseRevision: base.revision, inputs: base.inputs, at, bundles: Object.fromEntries(outcome.bundles) };
    const action = prev?.built === undefined ? 'created' : 'updated';
    const audited = action === 'created' ? 'preview.created' : prev?.built?.commit !== commit ? 'preview.updated' : undefined;
    return { plan, doc, built: outcome, change: { ...names, action }, ...(audited ? { audit: audited } : {}) };
  }
  if (prev?.built && !outcome.refused) doc.built = prev.built;
  const error = outcome.record ? { commit, message: outcome.message, at, inputs: base.inputs } : prev?.error;
  if (error) doc.error = error;
  return { plan, doc, change: { ...names, action: 'failed', reason: outcome.message } };
}

/** A live preview's part of the host bundles: none until a build succeeded. */
function contribution(s: Settled): HostContribution[] {
  const built = s.doc?.built;
  if (!s.doc || !built) return [];
  const bundles = new Map(Object.entries(built.bundles) as [string, Digest][]);
  return [{ slug: s.doc.slug, updatedAt: s.doc.updatedAt, bundles, ...(s.built ? { objects: s.built.objects } : {}) }];
}

/** A preview a host had to leave out: failed, with why; an unreadable blob also forgets the build, so the next cycle builds it again. */
function markDropped(s: Settled, drop: { message: string; unreadable: boolean }, now: number): void {
  const doc = s.doc as Preview;
  const { built: _built, ...rest } = doc;
  s.doc = { ...(drop.unreadable ? rest : doc), error: { commit: doc.commit, message: drop.message, at: new Date(now).toISOString() } };
  s.change = { ...s.change, action: 'failed', reason: drop.message };
  delete s.audit;
}

/** Writes every changed document and deletes those of removed previews (after the hosts moved, so a document never names what no host has). */
async function persist(deps: PreviewCycleDeps, settled: readonly Settled[], before: ReadonlyMap<string, Preview>): Promise<void> {
  const limit = pLimit(BLOB_CONCURRENCY);
  // A preview moved to a new namespace is removed and built under the same slug in one
  // cycle: its new document is written, never raced by a delete of the same key.
  const kept = new Set(settled.flatMap((s) => (s.doc === undefined ? [] : [s.doc.slug])));
  await Promise.all(
    settled.map((s) =>
      limit(async () => {
        if (s.doc === undefined) return kept.has(s.change.slug) ? undefined : deletePreview(deps.store, s.change.slug);
        const old = before.get(s.doc.slug);
        if (old === undefined || canonicalJson(old) !== canonicalJson(s.doc)) await writePreview(deps.store, s.doc);
      }),
    ),
  );
}

function auditDraft(s: Settled, actor: string): AuditDraft {
  const doc = s.doc ?? (s.plan.kind === 'build' ? undefined : s.plan.doc);
  return {
    actor,
    action: s.audit as AuditDraft['action'],
    subject: `preview/${s.change.slug}`,
    ...(s.change.reason !== undefined && s.audit === 'preview.removed' ? { reason: s.change.reason } : {}),
    data: { branch: s.change.branch, commit: s.change.commit, namespace: s.change.namespace, hosts: doc?.hosts ?? [] },
  };
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}
