import { createPublicKey, type KeyObject } from 'node:crypto';
import pLimit from 'p-limit';
import {
  canonicalBytes,
  decodePointer,
  isDriftlessError,
  listAll,
  parseJsonDocument,
  PointerVerifier,
  revisionRecordSchema,
  signPointer,
  storeLayout,
  type Clock,
  type Digest,
  type FlagOverrides,
  type GetResult,
  type ObjectStore,
  type Pointer,
  type RevisionRecord,
} from '@driftless/core';
import { bundleRewriter } from './flags/flag-republish.js';
import { overridesForCluster, readFlagOverrides } from './flags/flag-overrides-store.js';
import { quietLog, type HubLog } from './hub-log.js';
import { DEFAULT_POINTER_TTL_MS } from './publish/publish-fleet.js';
import { MAX_POINTER_BYTES } from './publish/pointer-moves.js';
import { settleAll } from './settle-all.js';
import { LAST_PUBLISH_KEY, readPublishMarker } from './state/hub-state.js';

/** What `driftless hub resign` (and, later, `hub serve`) is given. */
export interface ResignOptions {
  readonly store: ObjectStore;
  /** The hub's signing key: every renewed pointer is signed with it. */
  readonly signingKey: KeyObject;
  /** `now` for the expiry window and the new `expiresAt`. */
  readonly clock: Clock;
  /** A renewed pointer expires this long from now, ms. Default DEFAULT_POINTER_TTL_MS. */
  readonly ttlMs?: number;
  /** Renew pointers that expire within this long from now, ms. Default half of `ttlMs`. */
  readonly withinMs?: number;
  /** Store requests in flight at most. Default 32. */
  readonly concurrency?: number;
  readonly log?: HubLog;
}

/** The `driftless hub resign --json` document. */
export interface ResignReport {
  /** Pointers renewed, by cluster (sorted): the same generation, with the new expiry. */
  readonly resigned: readonly { cluster: string; generation: number; expiresAt: string }[];
  /** Signed pointers that expire later than the window: left as they are. */
  readonly fresh: number;
  /** Pointers that changed between the read and the write (a publish): left to the publish, which signed them. */
  readonly conflicts: readonly string[];
  /**
   * Pointers refused (sorted by cluster): left as they are, and a failure of
   * the run. `reason` names the pointer's key and why: not a pointer, not
   * signed, not signed by `signingKey`, or naming a bundle other than the one
   * the hub's newest publish gave its cluster (a replayed older pointer, an
   * orphan's, or any while that publish's record is missing).
   */
  readonly failed: readonly { cluster: string; reason: string }[];
}

const POINTER_KEY = /^clusters\/([^/]+)\/desired\.json$/;

type Verdict = { kind: 'resigned'; generation: number; expiresAt: string } | { kind: 'fresh' } | { kind: 'conflict' } | { kind: 'gone' } | { kind: 'failed'; reason: string };

/**
 * Renews the expiry of every pointer in the store that the hub published and
 * that has no `expiresAt` or expires within `withinMs`: the same document
 * (cluster, bundle, revision, generation, publishedAt) with `expiresAt` = now +
 * `ttlMs`, signed with `signingKey`. Agents accept a pointer at an equal
 * generation naming the same bundle, so a renewal moves nothing. A pointer is
 * renewed only if it verifies with the public half of `signingKey` and names
 * the bundle that the hub's newest publish gave its cluster (the record
 * `revisions/<sha>.json` of the revision `hub/last-publish.json` names), or
 * that bundle with the active `flags/overrides.json` applied (what `flag set`
 * republished); any
 * other (unsigned, signed by another key, an older pointer the hub signed
 * once and someone put back, an orphan's) is reported in `failed` and never
 * signed: renewing it would let whoever can write the store lift agents'
 * replay floor, or freeze a cluster at an old bundle, with the hub's key. Unsigned
 * pointers are signed by `hub compile --sign-key`, not here. Each write is a
 * compare-and-swap on the ETag read, so a publish that lands in between is
 * never overwritten (it is reported in `conflicts`).
 */
export async function resignPointers(opts: ResignOptions): Promise<ResignReport> {
  const ttlMs = opts.ttlMs ?? DEFAULT_POINTER_TTL_MS;
  const withinMs = opts.withinMs ?? ttlMs / 2;
  const limit = pLimit(opts.concurrency ?? 32);
  let newest: Checks['newest'] | undefined;
  let overrides: Checks['overrides'] | undefined;
  const checks: Checks = {
    verifier: new PointerVerifier(createPublicKey(opts.signingKey)),
    get newest() {
      return (newest ??= readNewest(opts.store));
    },
    get overrides() {
      return (overrides ??= readFlagOverrides(opts.store).then((o) => o?.doc));
    },
    rewriter: bundleRewriter(opts.store),
  };
  const clusters: string[] = [];
  for await (const key of listAll(opts.store, storeLayout.clustersPrefix)) {
    const cluster = POINTER_KEY.exec(key)?.[1];
    if (cluster) clusters.push(cluster);
  }
  clusters.sort();
  const verdicts = await settleAll(clusters.map((cluster) => limit(() => resignOne(opts, checks, cluster, ttlMs, withinMs))));
  const report: { resigned: ResignReport['resigned'][number][]; fresh: number; conflicts: string[]; failed: ResignReport['failed'][number][] } = {
    resigned: [],
    fresh: 0,
    conflicts: [],
    failed: [],
  };
  for (const [i, v] of verdicts.entries()) {
    const cluster = clusters[i] as string;
    if (v.kind === 'resigned') report.resigned.push({ cluster, generation: v.generation, expiresAt: v.expiresAt });
    else if (v.kind === 'fresh') report.fresh += 1;
    else if (v.kind === 'conflict') report.conflicts.push(cluster);
    else if (v.kind === 'failed') report.failed.push({ cluster, reason: v.reason });
  }
  (opts.log ?? quietLog)({ level: 'info', msg: 'resigned', resigned: report.resigned.length, conflicts: report.conflicts.length, failed: report.failed.length });
  return report;
}

/**
 * What every pointer of one run is checked against: the hub's public key, the
 * newest publish and the active flag overrides (each read once, when first
 * needed), and the bundles those overrides rewrite (each digest once).
 */
interface Checks {
  readonly verifier: PointerVerifier;
  readonly newest: Promise<Awaited<ReturnType<typeof readNewest>>>;
  readonly overrides: Promise<FlagOverrides | undefined>;
  readonly rewriter: ReturnType<typeof bundleRewriter>;
}

/** The largest revision record resign reads, bytes: a cluster costs about 100. */
const MAX_REVISION_RECORD_BYTES = 16 * 1024 * 1024;

/** Reasons a pointer is refused rather than signed: what a forged or foreign pointer throws. */
const REFUSED = ['InvalidDocument', 'SignatureMissing', 'SignatureInvalid', 'TooLarge'] as const;

async function resignOne(opts: ResignOptions, checks: Checks, cluster: string, ttlMs: number, withinMs: number): Promise<Verdict> {
  const key = storeLayout.pointer(cluster);
  const refused = (why: string): Verdict => ({ kind: 'failed', reason: `pointer ${key} resign refused: ${why}` });
  let got: GetResult;
  let pointer: Pointer;
  try {
    got = await opts.store.get(key, { maxBytes: MAX_POINTER_BYTES });
    if (got.kind !== 'found') return { kind: 'gone' };
    pointer = decodePointer(got.body, `pointer ${key}`, cluster, checks.verifier);
  } catch (err) {
    if (!REFUSED.some((code) => isDriftlessError(err, code))) throw err;
    const unsigned = isDriftlessError(err, 'SignatureMissing') ? ' (to sign unsigned pointers, run hub compile --sign-key)' : '';
    return refused(`${(err as Error).message}${unsigned}`);
  }
  const now = opts.clock.now();
  if (pointer.expiresAt && Date.parse(pointer.expiresAt) > now + withinMs) return { kind: 'fresh' };
  const mismatch = await notPublished(checks, pointer);
  if (mismatch !== undefined) return refused(mismatch);
  const expiresAt = new Date(now + ttlMs).toISOString();
  const renewed = signPointer({ ...pointer, expiresAt }, opts.signingKey);
  const res = await opts.store.put(key, canonicalBytes(renewed), { ifMatch: got.etag, contentType: 'application/json' });
  return res.kind === 'written' ? { kind: 'resigned', generation: pointer.generation, expiresAt } : { kind: 'conflict' };
}

/**
 * Why `pointer` is not what the hub's newest publish gave its cluster, or
 * undefined when it is. Only the newest counts: an older pointer the hub
 * once signed (a replay) passes its own revision's record, and a pointer
 * kept since an older revision may name one whose record was never written.
 */
async function notPublished(checks: Checks, pointer: Pointer): Promise<string | undefined> {
  const newest = await checks.newest;
  if (typeof newest === 'string') return newest;
  const last = `the last publish (revision ${newest.revision}, per ${LAST_PUBLISH_KEY})`;
  const bundle = newest.clusters[pointer.cluster];
  if (bundle === undefined) return `${last} gave cluster ${pointer.cluster} no bundle (no cluster file: an orphan's pointer is kept but never renewed)`;
  if (bundle === pointer.bundle || (await overridden(checks, newest, pointer.cluster, bundle)) === pointer.bundle) return undefined;
  return `it names ${pointer.bundle}, but ${last} gave cluster ${pointer.cluster} ${bundle} (an older pointer put back?); run hub compile of the current commit again`;
}

/**
 * The record's bundle for `cluster` with the active flag overrides applied,
 * as `flag set` republished it (a kill switch outlives the pointer TTL); the
 * record's bundle when no override applies.
 */
async function overridden(checks: Checks, newest: Newest, cluster: string, bundle: string): Promise<string> {
  const doc = await checks.overrides;
  const applying = doc ? overridesForCluster(doc, newest.labels?.[cluster]) : new Map();
  return applying.size === 0 ? bundle : checks.rewriter.rewrite(bundle as Digest, applying);
}

type Newest = { revision: string; clusters: RevisionRecord['clusters']; labels?: RevisionRecord['labels'] };

/** The newest publish's revision and record, or why there is none to check against (every pointer is then refused). */
async function readNewest(store: ObjectStore): Promise<Newest | string> {
  try {
    const { revision } = await readPublishMarker(store);
    if (revision === undefined) return `${LAST_PUBLISH_KEY} does not exist or names no revision: run hub compile`;
    const key = storeLayout.revision(revision);
    const got = await store.get(key, { maxBytes: MAX_REVISION_RECORD_BYTES });
    if (got.kind !== 'found') {
      return `${key}, the record of the last publish (${LAST_PUBLISH_KEY}), does not exist (that publish is running or crashed before writing it); run hub compile of the current commit again`;
    }
    const record = parseJsonDocument(revisionRecordSchema, got.body, `revision record ${key}`);
    return { revision, clusters: record.clusters, ...(record.labels ? { labels: record.labels } : {}) };
  } catch (err) {
    if (isDriftlessError(err, 'InvalidDocument') || isDriftlessError(err, 'TooLarge')) return err.message;
    throw err;
  }
}
