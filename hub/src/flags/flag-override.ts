import {
  decodePointer,
  DriftlessError,
  FLAGS_CONFIGMAP_KEY,
  isFlagsConfigMap,
  labelsMatch,
  parseJsonDocument,
  revisionRecordSchema,
  storeLayout,
  type Digest,
  type ObjectStore,
  type RevisionRecord,
} from '@driftless/core';
import type { AuditSink } from '../rollout/rollout-controller.js';
import { MAX_POINTER_BYTES } from '../publish/pointer-moves.js';
import { settleAll } from '../settle-all.js';
import { signedBy, signingKeyId } from '../publish/pointer-signing.js';
import { readPublishMarker } from '../state/hub-state.js';
import { parseOverrideSelector, readFlagOverrides, updateFlagOverrides } from './flag-overrides-store.js';
import { convergeOverrides, type Converged, type ConvergeTargets, type LabelsOf } from './converge-overrides.js';
import { bundleRewriter, type FlagRepublishDeps, type RepublishedPointer } from './flag-republish.js';

/** What setting or clearing an override needs: the republish deps and where the audit entry goes. */
export interface FlagOverrideDeps extends FlagRepublishDeps {
  readonly audit: AuditSink;
}

/** `driftless flag set`: which flag, which variant, for which clusters, by whom and why. */
export interface SetFlagOverrideRequest {
  readonly flag: string;
  readonly variant: string;
  /** kubectl label-selector syntax; absent: every cluster. */
  readonly selector?: string;
  readonly actor: string;
  readonly reason: string;
}

/** What `flag set` / `flag clear` did (`--json`). */
export interface FlagOverrideResult {
  readonly flag: string;
  readonly action: 'set' | 'cleared';
  readonly variant?: string;
  readonly selector?: string;
  /** The clusters the override is (or was) for. */
  readonly clusters: readonly string[];
  /** False when the latest revision record has no cluster labels: `flag set --selector` is then refused, and a clear restores every cluster of the record. */
  readonly labelsRecorded: boolean;
  /** The rollout whose to/from/pending digests were rewritten, when there was one to rewrite. */
  readonly rollout?: string;
  /** The pointers moved to overridden (or restored) bundles. */
  readonly pointers: readonly RepublishedPointer[];
}

/** The largest revision record read, bytes (10,000 clusters with labels take a few MB). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * Sets an override: checks the flag and variant against the published
 * bundles (FlagOverrideRefused, nothing written, when either is unknown),
 * writes `flags/overrides.json` (compare-and-swap), audits
 * `flag.override.set` (selector, count, the first 20 clusters), then
 * converges the selected clusters on the overrides (convergeOverrides): the
 * current rollout's digests, then each pointer moved to its overridden bundle
 * as soon as that is written, past rings and the freeze.
 */
export async function setFlagOverride(deps: FlagOverrideDeps, req: SetFlagOverrideRequest): Promise<FlagOverrideResult> {
  const record = await latestRecord(deps, req.flag);
  const { clusters, labelsRecorded } = selectClusters(record, req.flag, req.selector);
  const rewriter = bundleRewriter(deps.store);
  await requireVariant(rewriter, record, clusters, req.flag, req.variant);
  await requirePointerKey(deps, req.flag, clusters);
  const at = new Date(deps.clock.now()).toISOString();
  const override = { variant: req.variant, ...(req.selector ? { selector: req.selector } : {}), actor: req.actor, at, reason: req.reason };
  const written = await updateFlagOverrides(deps.store, (doc) => ({ ...doc, overrides: { ...doc.overrides, [req.flag]: override } }));
  await deps.audit.append([
    { actor: req.actor, action: 'flag.override.set', subject: `flag/${req.flag}`, reason: req.reason, data: { flag: req.flag, variant: req.variant, ...auditedClusters(req.selector, clusters) } },
  ]);
  const targets = reselecting(deps, record, clusters, (r) => (r.labels || req.selector === undefined ? selectClusters(r, req.flag, req.selector).clusters : []));
  const done = await republish(deps, rewriter, record, written, targets);
  return { flag: req.flag, action: 'set', variant: req.variant, ...(req.selector ? { selector: req.selector } : {}), clusters: targets.clusters(), labelsRecorded, ...done };
}

/**
 * Clears an override (FlagOverrideRefused when the flag has none): removes it
 * from `flags/overrides.json`, audits `flag.override.cleared`, and
 * republishes the clusters it was for with Git's variant restored from their
 * bundles, as {@link setFlagOverride} does.
 */
export async function clearFlagOverride(deps: FlagOverrideDeps, req: { readonly flag: string; readonly actor: string; readonly reason: string }): Promise<FlagOverrideResult> {
  const record = await latestRecord(deps, req.flag);
  const current = (await readFlagOverrides(deps.store))?.doc.overrides[req.flag];
  if (current) await requirePointerKey(deps, req.flag, clearedClusters(record, req.flag, current.selector).clusters);
  let selector: string | undefined;
  const written = await updateFlagOverrides(deps.store, (doc) => {
    const { [req.flag]: gone, ...rest } = doc.overrides;
    selector = gone?.selector;
    return gone ? { ...doc, overrides: rest } : undefined;
  });
  const old = written.before.overrides[req.flag];
  if (!old) throw new DriftlessError('FlagOverrideRefused', `flag ${req.flag} clear failed: it has no override (${storeLayout.flagOverrides})`, { flag: req.flag, reason: 'no override' });
  const { clusters, labelsRecorded } = clearedClusters(record, req.flag, selector);
  await deps.audit.append([
    { actor: req.actor, action: 'flag.override.cleared', subject: `flag/${req.flag}`, reason: req.reason, data: { flag: req.flag, variant: old.variant, ...auditedClusters(selector, clusters) } },
  ]);
  const targets = reselecting(deps, record, clusters, (r) => clearedClusters(r, req.flag, selector).clusters);
  const done = await republish(deps, bundleRewriter(deps.store), record, written, targets);
  return { flag: req.flag, action: 'cleared', variant: old.variant, ...(selector ? { selector } : {}), clusters: targets.clusters(), labelsRecorded, ...done };
}

/** The clusters a clear restores: those the selector matches, every cluster when the record has no labels (restoring one without the override changes nothing). */
function clearedClusters(record: RevisionRecord, flag: string, selector: string | undefined): ReturnType<typeof selectClusters> {
  return selectClusters(record, flag, record.labels ? selector : undefined);
}

/** Cluster names an audit entry lists: the rest is counted (10,000 names would make one entry ~200 KB, review 14a #19). */
const AUDITED_CLUSTERS = 20;

/** What an override's audit entry says of its clusters: the selector, how many, and the first {@link AUDITED_CLUSTERS} names. */
export function auditedClusters(selector: string | undefined, clusters: readonly string[]): { selector: string | null; count: number; clusters: string[] } {
  return { selector: selector ?? null, count: clusters.length, clusters: clusters.slice(0, AUDITED_CLUSTERS) };
}

/**
 * Converges the clusters this override changed on `flags/overrides.json`,
 * starting from the document this writer wrote: rollout document first, then
 * each pointer read-rewrite-swapped (see convergeOverrides: a racing compile,
 * step or other flag set never leaves a cluster without the last document).
 */
async function republish(
  deps: FlagOverrideDeps,
  rewriter: ReturnType<typeof bundleRewriter>,
  record: RevisionRecord,
  written: Awaited<ReturnType<typeof updateFlagOverrides>>,
  targets: Reselecting,
): Promise<Converged> {
  const labelsOf: LabelsOf = (cluster) => record.labels?.[cluster];
  return convergeOverrides(deps, {
    clusters: targets.clusters(),
    rewriter,
    labels: () => Promise.resolve(labelsOf),
    refresh: targets.refresh,
    ...(written.etag ? { known: { doc: written.after, etag: written.etag } } : {}),
  });
}

/** The clusters a flag writer converges, re-selected from each newer revision record a compile publishes meanwhile. */
interface Reselecting {
  /** Every cluster selected so far, sorted. */
  readonly clusters: () => string[];
  /** convergeOverrides' refresh: new targets when the publish marker names a revision other than the last record read. */
  readonly refresh: () => Promise<ConvergeTargets | undefined>;
}

/**
 * Review 14b #1: the record read before writing the document may be older
 * than one a compile published since (a cluster added or relabelled). After
 * each pass, a marker naming another revision re-reads its record: the
 * clusters become the ones selected so far plus the ones `select` picks from
 * it (a cluster relabelled out is restored), with its labels (earlier ones
 * for clusters it no longer has). A marker whose record is not written yet
 * is a compile still publishing, which reads the document after it and
 * converges itself.
 */
function reselecting(deps: FlagOverrideDeps, first: RevisionRecord, selected: readonly string[], select: (record: RevisionRecord) => readonly string[]): Reselecting {
  let revision = first.revision;
  let labels: Record<string, Readonly<Record<string, string>>> = { ...first.labels };
  let clusters = [...selected];
  return {
    clusters: () => clusters,
    refresh: async () => {
      const marker = await readPublishMarker(deps.store);
      if (marker.revision === undefined || marker.revision === revision) return undefined;
      const record = await readRevisionRecord(deps.store, marker.revision);
      if (!record) return undefined;
      revision = record.revision;
      labels = { ...labels, ...record.labels };
      clusters = [...new Set([...clusters, ...select(record)])].sort();
      const now = labels;
      return { clusters, labels: (cluster) => now[cluster] };
    },
  };
}

/** `revisions/<revision>.json` as read and validated; undefined when it does not exist. */
export async function readRevisionRecord(store: ObjectStore, revision: string): Promise<RevisionRecord | undefined> {
  const key = storeLayout.revision(revision);
  const got = await store.get(key, { maxBytes: MAX_RECORD_BYTES });
  return got.kind === 'found' ? parseJsonDocument(revisionRecordSchema, got.body, `revision record ${key}`) : undefined;
}

/** The record of the last publish: the clusters, their bundles and labels. */
async function latestRecord(deps: FlagRepublishDeps, flag: string): Promise<RevisionRecord> {
  const { revision } = await readPublishMarker(deps.store);
  const record = revision === undefined ? undefined : await readRevisionRecord(deps.store, revision);
  if (!record) {
    throw new DriftlessError('FlagOverrideRefused', `flag ${flag} override failed: nothing is published in this store yet (no revision record); run hub compile first`, {
      flag,
      reason: 'nothing published',
    });
  }
  return record;
}

/**
 * Refuses (stalled SigningKeyRequired, exit 2) before anything is written
 * when the first selected cluster's pointer is signed and this run has no
 * key, or a key that did not sign it: the pointers could not be moved, and an
 * override written and audited but not delivered would look like a refusal.
 */
async function requirePointerKey(deps: FlagRepublishDeps, flag: string, clusters: readonly string[]): Promise<void> {
  for (const cluster of clusters) {
    const key = storeLayout.pointer(cluster);
    const got = await deps.store.get(key, { maxBytes: MAX_POINTER_BYTES });
    if (got.kind !== 'found') continue;
    const ours = deps.signingKey ? signingKeyId(deps.signingKey) : 'none';
    const by = signedBy(decodePointer(got.body, `pointer ${key}`, cluster), deps.signingKey, ours);
    if (by === 'none' || by === ours) return;
    const given = deps.signingKey ? `this run's key ${ours} did not sign it` : 'this run has no signing key';
    throw new DriftlessError(
      'SigningKeyRequired',
      `flag ${flag} override failed: pointer ${key} is signed and ${given}; pass --sign-key with the key the hub publishes with (nothing was written)`,
      { flag, keyId: 'unknown', given: deps.signingKey ? ours : 'none' },
    );
  }
}

/**
 * The record's clusters the selector matches. A selector on a record without
 * labels (published before flags) is refused, FlagOverrideRefused: matching
 * every cluster would flip the flag fleet-wide.
 */
export function selectClusters(record: RevisionRecord, flag: string, selector: string | undefined): { clusters: string[]; labelsRecorded: boolean } {
  const all = Object.keys(record.clusters).sort();
  const labelsRecorded = record.labels !== undefined;
  if (selector === undefined) return { clusters: all, labelsRecorded };
  const requirements = parseOverrideSelector(flag, selector);
  if (!record.labels) {
    throw new DriftlessError(
      'FlagOverrideRefused',
      `flag ${flag} override failed: --selector '${selector}' cannot be matched, the last publish (revision ${record.revision}) recorded no cluster labels; run hub compile first`,
      { flag, reason: 'no labels recorded' },
    );
  }
  return { clusters: all.filter((c) => labelsMatch(requirements, record.labels?.[c] ?? {})), labelsRecorded };
}

/** Bundles {@link requireVariant} reads at once: as many as the republish reads concurrently. */
const READ_BATCH = 32;

/**
 * Refuses an unknown flag or variant: the flag's variants as the selected
 * clusters' published bundles carry them. Reads in batches and stops at the
 * first batch where a bundle has the variant (accepting then is what the
 * union of all would decide): every cluster's bundle differs, and reading
 * 10,000 one after another would hold the kill switch for minutes
 * (`driftless bench --kill-switch`). The republish reuses what was read.
 */
async function requireVariant(rewriter: ReturnType<typeof bundleRewriter>, record: RevisionRecord, clusters: readonly string[], flag: string, variant: string): Promise<void> {
  const digests = [...new Set(clusters.map((c) => record.clusters[c]).filter((d): d is string => d !== undefined))];
  const variants = new Set<string>();
  let found = false;
  for (let i = 0; i < digests.length && !variants.has(variant); i += READ_BATCH) {
    const bundles = await settleAll(digests.slice(i, i + READ_BATCH).map((d) => rewriter.read(d as Digest)));
    for (const obj of bundles.flatMap((b) => b?.objects.filter(isFlagsConfigMap) ?? [])) {
      const text = (obj as unknown as { data: Record<string, string> }).data[FLAGS_CONFIGMAP_KEY] ?? '';
      const entry = (JSON.parse(text) as { flags?: Record<string, { variants?: Record<string, unknown> }> }).flags?.[flag];
      if (!entry) continue;
      found = true;
      for (const v of Object.keys(entry.variants ?? {})) variants.add(v);
    }
  }
  if (!found) {
    const where = clusters.length === 0 ? 'no cluster matches the selector' : `no published bundle of the ${clusters.length} selected clusters carries it`;
    throw new DriftlessError('FlagOverrideRefused', `flag ${flag} override failed: unknown flag (${where}; flags/${flag}.yaml)`, { flag, reason: 'unknown flag' });
  }
  if (!variants.has(variant)) {
    throw new DriftlessError('FlagOverrideRefused', `flag ${flag} override failed: unknown variant ${variant} (it has ${[...variants].sort().join(', ')})`, { flag, reason: 'unknown variant' });
  }
}
