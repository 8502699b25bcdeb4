import type { Digest, PointerMove } from '@driftless/core';
import { convergeIfOverridesChanged, readVersionedOverrides, type LabelsOf } from './converge-overrides.js';
import { readRevisionRecord } from './flag-override.js';
import { overridesForCluster } from './flag-overrides-store.js';
import { bundleRewriter, type FlagRepublishDeps } from './flag-republish.js';

/** How a batch of rollout moves keeps the kill switches of `flags/overrides.json` (see {@link moveOverrides}). */
export interface MoveOverrides {
  /**
   * The digest `move` writes: the rollout's own, with the cluster's active
   * overrides applied (idempotent on a digest that has them). `again`: after a
   * lost pointer swap, under the document as it is now when an override was
   * active (the swap was lost to a flag set, maybe).
   */
  target(move: PointerMove, again: boolean): Promise<Digest>;
  /** After the moves (even failed ones): converges the clusters written when the document is not the one their writes applied. */
  settle(written: readonly string[]): Promise<void>;
}

/**
 * The overrides a rollout step's pointer moves apply (review 14a #3): the
 * document is read once per batch (one GET; absent or without overrides, no
 * bundle is read), and selectors are matched against the labels of the
 * rollout's revision record, read once and only when an override has a
 * selector. A step whose intent was read before a flag set rewrote the
 * rollout's digests may still write a digest without that flag set's
 * override: so, as every pointer writer does (see convergeOverrides), the
 * batch ends by reading the document again and converging what it wrote
 * when it changed meanwhile (absent to present counts).
 */
export async function moveOverrides(deps: FlagRepublishDeps, revision: string): Promise<MoveOverrides> {
  const rewriter = bundleRewriter(deps.store);
  let labels: Promise<LabelsOf> | undefined;
  const labelsOf = (): Promise<LabelsOf> => (labels ??= readRevisionRecord(deps.store, revision).then((record) => (cluster) => record?.labels?.[cluster]));
  let read = await readVersionedOverrides(deps.store);
  // The ETag every write so far applied; undefined once a retry applied a newer document than earlier writes.
  let applied: string | undefined = read.etag;
  const active = (): boolean => Object.keys(read.doc.overrides).length > 0;
  return {
    async target(move, again) {
      if (again && active()) {
        const now = await readVersionedOverrides(deps.store);
        if (now.etag !== read.etag) [read, applied] = [now, undefined];
      }
      if (!active()) return move.digest as Digest;
      const doc = read.doc;
      const bySelector = Object.values(doc.overrides).some((o) => o.selector !== undefined);
      return rewriter.rewrite(move.digest as Digest, overridesForCluster(doc, bySelector ? (await labelsOf())(move.cluster) : undefined));
    },
    settle: (written) => convergeIfOverridesChanged(deps, { applied, clusters: written, labels: labelsOf }),
  };
}
