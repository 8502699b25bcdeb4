import pLimit, { type LimitFunction } from 'p-limit';
import {
  decodePointer,
  listAll,
  parseJsonDocument,
  revisionRecordSchema,
  storeLayout,
  type Clock,
  type Digest,
  type ObjectStore,
  type RevisionRecord,
} from '@driftless/core';
import { readPreviews } from './previews/preview-store.js';
import { readCurrentRolloutDocument } from './rollout/rollout-store.js';

export interface GcOptions {
  readonly store: ObjectStore;
  /** What "older than `minAgeMs`" is measured against. */
  readonly clock: Clock;
  /** Blobs named by the newest N revision records are kept, besides those current pointers name. Default 10. */
  readonly keepRevisions?: number;
  /**
   * Unreferenced blobs younger than this are kept: a hub publishing right now
   * writes its blobs before the pointers that name them. ms; default 1 hour.
   */
  readonly minAgeMs?: number;
  /** Report what would be deleted, delete nothing. */
  readonly dryRun?: boolean;
  readonly concurrency?: number;
  /** Told what gc skipped and why (an unreadable preview document); default: nothing. */
  readonly warn?: (message: string) => void;
}

/** The `driftless hub gc --json` document. */
export interface GcReport {
  readonly blobs: number;
  readonly referenced: number;
  /** Digests deleted (or, with dryRun, that would be). */
  readonly deleted: readonly string[];
  /** Unreferenced, but younger than the minimum age. */
  readonly keptYoung: number;
  readonly dryRun: boolean;
}

/**
 * Deletes bundle blobs that no current pointer (its bundle or its previews
 * bundle), none of the newest `keepRevisions` revision records, not the
 * current rollout (`to`, `from`, pending moves) and no live preview's last
 * build (`previews/<slug>.json` `built.bundles`) reference, and that are older than
 * `minAgeMs` by their last-modified time in the store, against `clock`.
 * Blobs are listed before references are read, so a blob written during the
 * run is never a candidate; a referenced blob is never deleted.
 *
 * A publish in flight is protected by the age rule: it writes its blobs before
 * its pointers, and before a pointer names a blob that was there already it
 * writes that blob again (blobReadiness), so every blob a publish in flight
 * names is younger than `minAgeMs` as long as a publish takes less than that.
 * What is left is the instant between this run's last-modified read of a blob
 * and its delete; a publish that renews and names the blob in that instant
 * finds it missing after its pointers moved and puts it back (checkNamedBlobs),
 * and agents retry a missing blob.
 */
export async function collectGarbage(opts: GcOptions): Promise<GcReport> {
  const { store } = opts;
  const limit = pLimit(opts.concurrency ?? 32);
  const blobs: string[] = [];
  for await (const key of listAll(store, storeLayout.blobsPrefix)) blobs.push(key);

  const referenced = await referencedBlobs(store, opts.keepRevisions ?? 10, limit, opts.warn ?? (() => undefined));
  const cutoff = opts.clock.now() - (opts.minAgeMs ?? 3_600_000);
  const unreferenced = blobs.filter((k) => !referenced.has(k));
  const verdicts = await Promise.all(
    unreferenced.map((key) =>
      limit(async (): Promise<'deleted' | 'young'> => {
        const head = await store.head(key);
        if (!head || head.modifiedMs > cutoff) return 'young';
        if (!opts.dryRun) await store.delete(key);
        return 'deleted';
      }),
    ),
  );
  const deleted = unreferenced.filter((_, i) => verdicts[i] === 'deleted').map((k) => `sha256:${k.slice(storeLayout.blobsPrefix.length)}`);
  return {
    blobs: blobs.length,
    referenced: blobs.length - unreferenced.length,
    deleted,
    keptYoung: verdicts.filter((v) => v === 'young').length,
    dryRun: opts.dryRun ?? false,
  };
}

/**
 * The blob keys that current pointers (bundle and previews), the newest
 * `keepRevisions` revision records, the current rollout (`to`, `from`,
 * pending moves) and live previews' builds name: a ring
 * not yet open, a revert and a flag override's rewritten bundles point there
 * later, and no pointer or record names them yet.
 */
async function referencedBlobs(store: ObjectStore, keepRevisions: number, limit: LimitFunction, warn: (message: string) => void): Promise<Set<string>> {
  const referenced = new Set<string>();
  const pointerKeys: string[] = [];
  const recordKeys: string[] = [];
  for await (const key of listAll(store, storeLayout.clustersPrefix)) if (key.endsWith('/desired.json')) pointerKeys.push(key);
  for await (const key of listAll(store, storeLayout.revisionsPrefix)) recordKeys.push(key);
  await Promise.all(
    pointerKeys.map((key) =>
      limit(async () => {
        const got = await store.get(key);
        const cluster = key.slice(storeLayout.clustersPrefix.length, -'/desired.json'.length);
        if (got.kind !== 'found') return;
        const pointer = decodePointer(got.body, `pointer ${key}`, cluster);
        referenced.add(storeLayout.blob(pointer.bundle as `sha256:${string}`));
        if (pointer.previews !== undefined) referenced.add(storeLayout.blob(pointer.previews as `sha256:${string}`));
      }),
    ),
  );
  const records = (
    await Promise.all(
      recordKeys.map((key) =>
        limit(async (): Promise<RevisionRecord | undefined> => {
          const got = await store.get(key);
          return got.kind === 'found' ? parseJsonDocument(revisionRecordSchema, got.body, `revision record ${key}`) : undefined;
        }),
      ),
    )
  ).filter((r): r is RevisionRecord => r !== undefined);
  records.sort((a, b) => (a.publishedAt < b.publishedAt ? 1 : a.publishedAt > b.publishedAt ? -1 : 0));
  for (const record of records.slice(0, keepRevisions)) {
    for (const digest of Object.values(record.clusters)) referenced.add(storeLayout.blob(digest as `sha256:${string}`));
  }
  const rollout = (await readCurrentRolloutDocument(store))?.doc;
  for (const c of Object.values(rollout?.clusters ?? {})) {
    referenced.add(storeLayout.blob(c.to as `sha256:${string}`));
    if (c.from !== undefined) referenced.add(storeLayout.blob(c.from as `sha256:${string}`));
  }
  for (const move of rollout?.pendingMoves ?? []) referenced.add(storeLayout.blob(move.digest as `sha256:${string}`));
  for (const digest of await previewBlobs(store, warn)) referenced.add(storeLayout.blob(digest));
  return referenced;
}

/**
 * Every digest a live preview's last good build names (`previews/<slug>.json`
 * `built.bundles`): the next preview cycle merges them into a host's
 * previews bundle without building the branch again. An unreadable document
 * is warned about and skipped, as the cycle skips it (it builds that preview
 * again), so one bad document never stops gc.
 */
async function previewBlobs(store: ObjectStore, warn: (message: string) => void): Promise<Digest[]> {
  const docs = await readPreviews(store, (e) => warn(`${String(e['msg'])}; the blobs it names are not kept`));
  return [...docs.values()].flatMap((d) => Object.values(d.built?.bundles ?? {}) as Digest[]);
}
