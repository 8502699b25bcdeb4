import type { KeyObject } from 'node:crypto';
import { DriftlessError, rolloutId, type AuditDraft, type BranchListing, type Clock, type MetricSource, type ObjectStore, type RepositorySource } from '@driftless/core';
import { compileFleet, type CompiledDelivery, type CompiledFleet } from './compile.js';
import { createAuditLog } from './audit/audit-log.js';
import { coreRolloutMachine } from './rollout/core-machine.js';
import { quietLog, type HubLog } from './hub-log.js';
import { buildPreview } from './previews/build-preview.js';
import { runPreviewCycle, type PreviewCycleMemo } from './previews/preview-cycle.js';
import { createSetPreviewsPointer } from './previews/previews-pointer.js';
import { publishFleet, type PublishMemo, type PublishResult } from './publish/publish-fleet.js';
import type { PublishedFlags } from './publish/revision-record.js';
import type { CompiledFlags } from './compile-flags.js';
import type { HelmRunner } from './render/helm-runner.js';
import type { KustomizeRunner } from './render/kustomize.js';
import { checkRollForward } from './roll-forward.js';
import { buildRelease } from './rollout/release.js';
import { createRolloutController, type AuditSink, type RolloutMachine, type StepReport } from './rollout/rollout-controller.js';
import { readCurrentRolloutDocument } from './rollout/rollout-store.js';
import { requireMetricSource } from './rollout/metric-observer.js';
import { readFreeze } from './control/freeze.js';
import { hasAppliedOverrides, withFlagOverrides } from './flags/compiled-overrides.js';
import { noFlagOverrides, readFlagOverrides } from './flags/flag-overrides-store.js';
import { ABSENT, convergeIfOverridesChanged } from './flags/converge-overrides.js';
import type { PreviewBase, PreviewCycleRequest, PreviewsReport } from './previews/preview-types.js';
import { loadTrustedState, readPublishMarker, stateAfterPublish, writePublishMarker, type HubStateStore } from './state/hub-state.js';

/** How the hub renders app sources that are not plain manifests. */
export interface HubRenderers {
  readonly kustomize: KustomizeRunner;
  /** Renders Helm chart apps; absent, a chart app is a compile error. */
  readonly helm?: HelmRunner;
}

/**
 * Everything the hub needs from outside, passed in (STYLE.md: one deps
 * object); createHub constructs none of it. `nodeHubDeps` builds the set a
 * process uses: git, state files in a cache directory, the kustomize binary.
 */
export interface HubDeps {
  /** Where the fleet repository is read from. */
  readonly source: RepositorySource;
  readonly renderers: HubRenderers;
  /** Where bundles, pointers and revision records are published. */
  readonly store: ObjectStore;
  /**
   * What lets a compile skip unchanged clusters and pointer reads, for this
   * store. Without it, every compile starts from scratch and writes no marker.
   */
  readonly state?: HubStateStore;
  /** Timestamps and durations. */
  readonly clock: Clock;
  /** A fresh unique id per call (the publish marker's). */
  readonly newId: () => string;
  readonly signingKey?: KeyObject;
  /** A signed pointer's lifetime, ms; default DEFAULT_POINTER_TTL_MS (see `driftless hub resign`). */
  readonly pointerTtlMs?: number;
  /** Default: drop every event. */
  readonly log?: HubLog;
  /** The rollout state machine; default core's (coreRolloutMachine). */
  readonly machine?: RolloutMachine;
  /** Where publishes and rollout events are recorded; default the store's audit log (signed with signingKey when given). */
  readonly audit?: AuditSink;
  /** Where the rollouts' metric checks read their values (`--prometheus URL`); a fleet whose delivery has checks is refused without it. */
  readonly metrics?: MetricSource;
  /**
   * One preview cycle (runPreviewCycle over this hub's store, clock, source,
   * build and audit): what `previews: true` compiles and {@link Hub.previews}
   * run. Default: the real cycle over this hub's own dependencies (buildPreview,
   * createSetPreviewsPointer, the audit sink); tests inject their own.
   */
  readonly previewCycle?: (req: PreviewCycleRequest) => Promise<PreviewsReport>;
}

/** One `driftless hub compile`: which repository and ref, and what the guards may let through. */
export interface CompileRequest {
  /** The fleet repository, as the source understands it (for git: URL or local directory). */
  readonly repo: string;
  readonly ref?: string;
  readonly allowMassPrune?: boolean;
  readonly allowPlainSecrets?: boolean;
  /** Compile an expired temporary flag (`--allow-expired-flags`); it is still warned about. */
  readonly allowExpiredFlags?: boolean;
  /** Publish a commit that does not descend from the last published one (`--allow-rollback`); recorded in its revision record. */
  readonly allowRollback?: boolean;
  /** Who runs the compile, named by its `release.published` and `rollback.allowed` audit entries; default `hub`. */
  readonly actor?: string;
  /** Why (`--reason`; the CLI requires it with `--allow-rollback`): the `reason` of its `release.published` and `rollback.allowed` audit entries. */
  readonly reason?: string;
  /**
   * After a successful publish, run the preview cycle against this compile's
   * base (`hub compile --previews`): one branch listing, then the cycle. Its
   * failure does not fail the compile: it is reported as a warning.
   */
  readonly previews?: boolean;
}

/** The `driftless hub compile --json` document. */
export interface CompileReport extends Omit<PublishResult, 'memo'> {
  /** From the start of the sync to the end of the publish, ms of the injected clock. */
  readonly durationMs: number;
  /** The compile's warnings (a delivery ring that gets no cluster), when there are any. */
  readonly warnings?: readonly string[];
  /** With `spec.delivery`: the rollout this compile started and its first step (absent when the revision's rollout exists already). */
  readonly rollout?: StepReport;
  /** The fleet is frozen (`driftless freeze`): no pointer moved; `pointersHeld` says how many would have. */
  readonly frozen?: { readonly actor: string; readonly reason: string };
  /** With `previews: true`: what the preview cycle did (without `spec.previews`: the previews it removed). */
  readonly previews?: PreviewsReport;
}

/** {@link Hub.previews}: the branches listed once this poll, judged against the base compiled last. */
export interface PreviewsRequest {
  /** The fleet repository, as for compile. */
  readonly repo: string;
  /** The base branch (the hub's ref); default the repository's default branch. */
  readonly ref?: string;
  readonly listing: BranchListing;
  /** Who runs it, named in its audit entries; default `hub`. */
  readonly actor?: string;
}

/** The hub: one sync, one compile, one publish per call. */
export interface Hub {
  compile(req: CompileRequest): Promise<CompileReport>;
  /**
   * The preview cycle alone (a `hub serve` poll whose base did not move),
   * against the PreviewBase of the last compile of this `repo` and `ref` by
   * this Hub (kept in memory); without one, compiles that first. When the
   * base's fleet.yaml has no `spec.previews`, the cycle only removes the
   * previews left and clears their hosts (with none left it reads two
   * records and stops). The cycle's failures reject.
   */
  previews(req: PreviewsRequest): Promise<PreviewsReport | undefined>;
  /**
   * Forgets what earlier preview cycles of this Hub learnt (merged answers,
   * each host's last previews bundle): for a `hub serve` replica that regains
   * the lease, since another replica may have moved host pointers meanwhile.
   */
  forgetPreviews(): void;
}

/** What the last compile resolved for previews, by repo and ref asked for. */
interface LastBase {
  readonly repo: string;
  readonly ref: string | undefined;
  readonly base: PreviewBase | undefined;
}

/**
 * The hub over injected dependencies. `compile` syncs the repository once,
 * compiles the commit (skipping clusters the trusted state says are
 * unchanged), publishes it, and saves the state for the next call. A commit
 * that does not descend from the last published one is refused before
 * anything is compiled (see checkRollForward). A compile error publishes nothing; see publishFleet for what a publish guarantees.
 */
export function createHub(deps: HubDeps): Hub {
  const log = deps.log ?? quietLog;
  let last: LastBase | undefined;
  // This hub's memory across preview cycles (merged answers), as long as it lives.
  const previewMemo: PreviewCycleMemo = { merged: new Map() };
  const hub: Hub = {
    forgetPreviews() {
      previewMemo.merged.clear();
      previewMemo.hosts?.clear();
    },
    async previews(req) {
      if (last?.repo !== req.repo || last.ref !== req.ref) await hub.compile({ repo: req.repo, ...(req.ref !== undefined ? { ref: req.ref } : {}), ...(req.actor ? { actor: req.actor } : {}) });
      const base = last?.base;
      // Undefined only when the compile read one cluster (never here): without spec.previews the base is removal-only.
      return base ? await cycleOf(deps, previewMemo)({ repo: req.repo, listing: req.listing, base: namedBase(base, req.listing), ...(req.actor ? { actor: req.actor } : {}) }) : undefined;
    },
    async compile(req) {
      const started = deps.clock.now();
      const snapshot = await deps.source.sync({ repo: req.repo, ...(req.ref ? { ref: req.ref } : {}) });
      const marker = await readPublishMarker(deps.store);
      const rolledBackFrom = await checkRollForward({
        source: deps.source,
        repo: req.repo,
        ref: snapshot.ref,
        revision: snapshot.reader.commit,
        lastPublished: marker.revision,
        allowRollback: req.allowRollback ?? false,
      });
      const state = deps.state ? await loadTrustedState(deps.state, marker, log) : undefined;
      const { compiled, overridesEtag } = await withActiveOverrides(
        deps.store,
        await compileFleet(snapshot.reader, {
          kustomize: deps.renderers.kustomize,
          ...(deps.renderers.helm ? { helm: deps.renderers.helm } : {}),
          allowPlainSecrets: req.allowPlainSecrets ?? false,
          allowExpiredFlags: req.allowExpiredFlags ?? false,
          now: deps.clock.now(),
          ...(state ? { memo: state.compile } : {}),
        }),
      );
      // A rollout it could not gate: refused before anything is published (MetricSourceRequired, exit 2).
      if (compiled.delivery) {
        const rollout = rolloutId(compiled.revision, deps.clock.now());
        requireMetricSource(compiled.delivery.plan, deps.metrics, { subject: `fleet revision ${compiled.revision.slice(0, 12)}`, operation: 'compile', rollout });
      }
      // A new marker id before the first pointer changes: from then on no state,
      // ours included, is trusted until this publish has completed and saved its own.
      const id = deps.newId();
      const freeze = await readFreeze(deps.store);
      let marked = false;
      const { memo, ...result } = await publishFleet({
        store: deps.store,
        compiled,
        clock: deps.clock,
        log,
        allowMassPrune: req.allowMassPrune ?? false,
        ...(rolledBackFrom ? { rolledBackFrom } : {}),
        ...(marker.revision ? { lastPublished: marker.revision } : {}),
        ...(deps.signingKey ? { signingKey: deps.signingKey } : {}),
        ...(deps.pointerTtlMs !== undefined ? { pointerTtlMs: deps.pointerTtlMs } : {}),
        ...(state ? { previous: state.publish } : {}),
        ...(compiled.delivery || freeze ? { holdPointers: true } : {}),
        ...(compiled.flags ? publishedFlags(compiled.flags) : {}),
        beforePointerWrites: async () => {
          await writePublishMarker(deps.store, marker, id, compiled.revision, deps.clock);
          marked = true;
        },
      });
      // Nothing changed and the state was trusted: keep its id. The marker names the
      // revision published last (what the next compile's roll-forward guard compares).
      const keepId = !marked && state ? state.id : undefined;
      if (!marked && (marker.revision !== compiled.revision || (deps.state && !keepId))) {
        await writePublishMarker(deps.store, marker, keepId ?? id, compiled.revision, deps.clock);
      }
      if (deps.state) await deps.state.save(stateAfterPublish(keepId ?? id, compiled, memo));
      log({ level: 'info', msg: 'published', revision: result.revision, blobsWritten: result.blobsWritten, pointersUpdated: result.pointersUpdated });
      if (marker.revision !== compiled.revision) await auditOf(deps).append(publishedDrafts(req, result));
      const rollout = compiled.delivery ? await startDelivery(deps, compiled, compiled.delivery, { memo, refused: result.refused }) : undefined;
      // Even when it moved no pointer: it published clusters and labels that a
      // flag set or clear racing with it may not have seen (review 14b #1).
      await convergeIfChanged(deps, compiled, overridesEtag);
      // The base branch by name (a local repository's HEAD is its current branch): a branch merged into it is removed.
      const base = compiled.previewBase ? { ...compiled.previewBase, branch: snapshot.ref } : undefined;
      last = { repo: req.repo, ref: req.ref, base };
      const previews = req.previews ? await previewsAfterPublish(deps, cycleOf(deps, previewMemo), req, base) : {};
      const warnings = [...(compiled.warnings ?? []), ...(previews.warning !== undefined ? [previews.warning] : [])];
      return {
        ...result,
        ...(rollout ? { rollout } : {}),
        ...(freeze ? { frozen: { actor: freeze.actor, reason: freeze.reason } } : {}),
        durationMs: deps.clock.now() - started,
        ...(warnings.length > 0 ? { warnings } : {}),
        ...(previews.report ? { previews: previews.report } : {}),
      };
    },
  };
  return hub;
}

/** `base` with its branch by name: a local repository opened at HEAD is on the listing's default (current) branch. */
function namedBase(base: PreviewBase, listing: BranchListing): PreviewBase {
  return base.branch === 'HEAD' ? { ...base, branch: listing.defaultBranch } : base;
}

/**
 * The preview cycle: the injected one, else the real one over this hub's own
 * dependencies (its repository source, renderers, store, key and audit log).
 */
function cycleOf(deps: HubDeps, memo: PreviewCycleMemo): NonNullable<HubDeps['previewCycle']> {
  if (deps.previewCycle) return deps.previewCycle;
  const setPreviews = createSetPreviewsPointer({ store: deps.store, clock: deps.clock, ...(deps.signingKey ? { signingKey: deps.signingKey } : {}), ...(deps.pointerTtlMs !== undefined ? { pointerTtlMs: deps.pointerTtlMs } : {}) });
  const buildOptions = { kustomize: deps.renderers.kustomize, ...(deps.renderers.helm ? { helm: deps.renderers.helm } : {}) };
  return (req) => runPreviewCycle({ store: deps.store, clock: deps.clock, source: deps.source, build: buildPreview, buildOptions, setPreviews, audit: auditOf(deps), log: deps.log ?? quietLog, memo }, req);
}

/**
 * `compile --previews` after its publish: one branch listing (the compile's
 * sync fetched the base already), then the cycle. The release is published by
 * now, so a failure of either is a warning, never the compile's failure.
 */
async function previewsAfterPublish(deps: HubDeps, cycle: NonNullable<HubDeps['previewCycle']>, req: CompileRequest, base: PreviewBase | undefined): Promise<{ report?: PreviewsReport; warning?: string }> {
  if (!base) return { warning: 'previews: the compile resolved no preview base; no preview cycle ran' };
  try {
    const listing = await deps.source.listBranches({ repo: req.repo });
    return { report: await cycle({ repo: req.repo, listing, base: namedBase(base, listing), ...(req.actor ? { actor: req.actor } : {}) }) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    (deps.log ?? quietLog)({ level: 'error', msg: `hub previews failed: ${message}`, ...(err instanceof DriftlessError ? { code: err.code } : {}) });
    return { warning: `previews: the preview cycle failed (the release is published): ${message}` };
  }
}

/**
 * Starts the rollout of a commit published with its pointers held: the
 * release (every cluster's ring, current and new bundle, stateful change),
 * superseding the running rollout, then its first step (ring 0's first wave,
 * unless frozen). Undefined when this revision's rollout exists already.
 */
async function startDelivery(
  deps: HubDeps,
  compiled: CompiledFleet,
  delivery: CompiledDelivery,
  published: { memo: PublishMemo; refused: PublishResult['refused'] },
): Promise<StepReport | undefined> {
  const controller = createRolloutController({
    store: deps.store,
    clock: deps.clock,
    machine: deps.machine ?? coreRolloutMachine,
    audit: auditOf(deps),
    newId: deps.newId,
    ...(deps.signingKey ? { signingKey: deps.signingKey } : {}),
    ...(deps.pointerTtlMs !== undefined ? { pointerTtlMs: deps.pointerTtlMs } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  const previous = await readCurrentRolloutDocument(deps.store);
  const release = buildRelease({ id: rolloutId(compiled.revision, deps.clock.now()), compiled, delivery, published, ...(previous ? { previous: previous.doc } : {}) });
  return controller.start(release, delivery.statefulKeys);
}

/**
 * `compiled` with the kill switches of `flags/overrides.json` applied to its
 * bundles (see withFlagOverrides), selectors matched against the labels of
 * the commit being compiled (a cluster added or relabelled in it is judged
 * on its labels now); as is when no override is active.
 */
async function withActiveOverrides(store: ObjectStore, compiled: CompiledFleet): Promise<{ compiled: CompiledFleet; overridesEtag: string }> {
  const overrides = await readFlagOverrides(store);
  const overridesEtag = overrides?.etag ?? ABSENT;
  const doc = overrides?.doc ?? noFlagOverrides();
  // No override now, but the memo's digests carry some: restore Git's variants.
  if (Object.keys(doc.overrides).length === 0 && !hasAppliedOverrides(compiled)) return { compiled, overridesEtag };
  const labels = compiled.labels;
  return { compiled: await withFlagOverrides(store, compiled, doc, (cluster) => labels?.get(cluster)), overridesEtag };
}

/**
 * A flag set or clear that ran while this compile published (after it read
 * `flags/overrides.json`) moved pointers and rewrote a rollout this compile
 * then replaced: converge every compiled cluster on the document as it is now
 * (review 14a #1). One GET when nothing changed.
 */
async function convergeIfChanged(deps: HubDeps, compiled: CompiledFleet, applied: string): Promise<void> {
  const labels = compiled.labels;
  await convergeIfOverridesChanged(
    { store: deps.store, clock: deps.clock, newId: deps.newId, log: deps.log ?? quietLog, ...(deps.signingKey ? { signingKey: deps.signingKey } : {}), ...(deps.pointerTtlMs !== undefined ? { pointerTtlMs: deps.pointerTtlMs } : {}) },
    { applied, clusters: [...compiled.bundles.keys(), ...compiled.unchanged.keys()].sort(), labels: () => Promise.resolve((cluster) => labels?.get(cluster)) },
  );
}

/** The hub's audit sink: the injected one, or the store's audit log. */
export function auditOf(deps: Pick<HubDeps, 'audit' | 'store' | 'clock' | 'signingKey'>): AuditSink {
  return deps.audit ?? createAuditLog({ store: deps.store, clock: deps.clock, ...(deps.signingKey ? { signingKey: deps.signingKey } : {}) });
}

/** The audit entries of a publish: `release.published`, and `rollback.allowed` when `--allow-rollback` let it through. */
function publishedDrafts(req: CompileRequest, result: Omit<PublishResult, 'memo'>): AuditDraft[] {
  const subject = `revision/${result.revision}`;
  const rollback = result.rolledBackFrom ? { allowRollback: true, rolledBackFrom: result.rolledBackFrom } : {};
  const data = { revision: result.revision, clusters: result.clusters, pointersUpdated: result.pointersUpdated, refused: result.refused.length, ...rollback };
  const actor = req.actor ?? 'hub';
  const reason = req.reason ? { reason: req.reason } : {};
  const drafts: AuditDraft[] = [{ actor, action: 'release.published', subject, ...reason, data }];
  if (result.rolledBackFrom) {
    drafts.push({ actor, action: 'rollback.allowed', subject, ...reason, data: { revision: result.revision, rolledBackFrom: result.rolledBackFrom, repo: req.repo } });
  }
  return drafts;
}

/** What the revision record keeps of a compile's flags (`driftless flags`) and every cluster's labels (`flag set --selector`). */
function publishedFlags(flags: CompiledFlags): { flags: PublishedFlags; labels: CompiledFlags['labels'] } {
  const variants = new Map([...flags.variantOf].map(([cluster, byKey]) => [cluster, Object.fromEntries(byKey)]));
  return { flags: { definitions: flags.definitions, variants, commits: flags.commitOf }, labels: flags.labels };
}
