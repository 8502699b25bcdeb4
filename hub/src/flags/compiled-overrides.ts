import pLimit from 'p-limit';
import { applyFlagOverrides, encodeBundle, type Digest, type EncodedBundle, type FlagOverrides, type ObjectStore } from '@driftless/core';
import type { CompiledFleet, MemoCluster } from '../compile.js';
import { overridesForCluster, overridesKey } from './flag-overrides-store.js';
import { settleAll } from '../settle-all.js';
import { bundleRewriter } from './flag-republish.js';

/** Bundles read (and maybe written) at once while rewriting unchanged clusters' bundles. */
const STORE_CONCURRENCY = 32;
const NO_OVERRIDES = overridesKey(new Map());

/**
 * `compiled` with the active overrides applied to every cluster's bundle,
 * before anything is published, so that a new release never takes a kill
 * switch away: rendered bundles are rewritten in memory; a cluster the memo
 * skipped as unchanged keeps its memo digest when the memo says the same
 * overrides were applied to it (no store read: an unchanged commit under an
 * unchanged override costs what it costs without one), else has its
 * published bundle read and rewritten (put to the store when new), at most
 * STORE_CONCURRENCY at once. The memo records the overridden digests, which
 * is what was published, with the key of the overrides they have
 * (applyFlagOverrides restores flags whose override is gone, so the next
 * compile rewrites them right whatever overrides it finds). `labelsOf` gives
 * a cluster's labels for the overrides' selectors (undefined: every override applies).
 */
export async function withFlagOverrides(
  store: ObjectStore,
  compiled: CompiledFleet,
  doc: FlagOverrides,
  labelsOf: (cluster: string) => Readonly<Record<string, string>> | undefined,
): Promise<CompiledFleet> {
  const bundles = new Map<string, EncodedBundle>();
  const memo: Record<string, MemoCluster> = { ...compiled.memo.clusters };
  const remember = (cluster: string, digest: Digest, key: string): void => {
    const m = memo[cluster];
    if (!m) return;
    const { overridesKey: _, ...rest } = m;
    memo[cluster] = { ...rest, digest, ...(key === NO_OVERRIDES ? {} : { overridesKey: key }) };
  };
  for (const [cluster, b] of compiled.bundles) {
    const overrides = overridesForCluster(doc, labelsOf(cluster));
    const objects = applyFlagOverrides(b.bundle.objects, overrides);
    const out = objects.every((o, i) => o === b.bundle.objects[i]) ? b : encodeBundle(objects);
    bundles.set(cluster, out);
    remember(cluster, out.digest, overridesKey(overrides));
  }
  const rewriter = bundleRewriter(store);
  const limit = pLimit(STORE_CONCURRENCY);
  // Set in place: the map keeps the compile's cluster order whatever order the rewrites finish in.
  const unchanged = new Map<string, Digest>(compiled.unchanged);
  await settleAll(
    [...compiled.unchanged].map(async ([cluster, digest]) => {
      const overrides = overridesForCluster(doc, labelsOf(cluster));
      const key = overridesKey(overrides);
      const same = (compiled.memo.clusters[cluster]?.overridesKey ?? NO_OVERRIDES) === key;
      const out = same ? digest : await limit(() => rewriter.rewrite(digest, overrides));
      unchanged.set(cluster, out);
      remember(cluster, out, key);
    }),
  );
  const warnings = [...(compiled.warnings ?? []), ...unappliedOverrides(compiled, doc)];
  return { ...compiled, bundles, unchanged, memo: { ...compiled.memo, clusters: memo }, ...(warnings.length > 0 ? { warnings } : {}) };
}

/**
 * Whether a cluster the memo skipped has a digest with overrides applied:
 * then a compile with no override active still rewrites it (restoring Git's
 * variants), since that digest is not what Git gives it.
 */
export function hasAppliedOverrides(compiled: Pick<CompiledFleet, 'memo' | 'unchanged'>): boolean {
  return [...compiled.unchanged.keys()].some((c) => compiled.memo.clusters[c]?.overridesKey !== undefined);
}

/**
 * Active overrides this compile cannot apply, as warnings: the flag's file is
 * gone from Git, or no longer has the override's variant. Its clusters then
 * get Git's variant back although `flags/overrides.json` still lists the
 * kill switch, so the person who set it must hear of it.
 */
export function unappliedOverrides(compiled: Pick<CompiledFleet, 'flags'>, doc: FlagOverrides): string[] {
  const out: string[] = [];
  for (const [key, o] of Object.entries(doc.overrides).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const flag = compiled.flags?.definitions.find((d) => d.key === key);
    if (flag === undefined) {
      out.push(`override of flag ${key} (${o.variant}, by ${o.actor}): flags/${key}.yaml is not in this commit, so the override applies to nothing; driftless flag clear ${key} when it is no longer needed`);
    } else if (!Object.hasOwn(flag.variants, o.variant)) {
      out.push(`override of flag ${key} (${o.variant}, by ${o.actor}) is NOT applied: ${flag.file} has no variant ${o.variant} any more (variants: ${Object.keys(flag.variants).join(', ')}), so its clusters get Git's variant`);
    }
  }
  return out;
}
