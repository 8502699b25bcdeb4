import { applyFlagOverrides, encodeBundle, type Digest, type EncodedBundle, type FlagOverrides, type ObjectStore } from '@driftless/core';
import type { CompiledFleet, MemoCluster } from '../compile.js';
import { overridesForCluster } from './flag-overrides-store.js';
import { bundleRewriter } from './flag-republish.js';

/**
 * `compiled` with the active overrides applied to every cluster's bundle,
 * before anything is published, so that a new release never takes a kill
 * switch away: rendered bundles are rewritten in memory; a cluster the memo
 * skipped as unchanged has its published bundle read and rewritten (put to
 * the store when new). The memo records the overridden digests, which is
 * what was published (applyFlagOverrides restores flags whose override is
 * gone, so the next compile rewrites them right whatever overrides it finds).
 * `labelsOf` gives a cluster's labels for the overrides' selectors
 * (undefined: every override applies).
 */
export async function withFlagOverrides(
  store: ObjectStore,
  compiled: CompiledFleet,
  doc: FlagOverrides,
  labelsOf: (cluster: string) => Readonly<Record<string, string>> | undefined,
): Promise<CompiledFleet> {
  const bundles = new Map<string, EncodedBundle>();
  const memo: Record<string, MemoCluster> = { ...compiled.memo.clusters };
  const remember = (cluster: string, digest: Digest): void => {
    const m = memo[cluster];
    if (m) memo[cluster] = { ...m, digest };
  };
  for (const [cluster, b] of compiled.bundles) {
    const objects = applyFlagOverrides(b.bundle.objects, overridesForCluster(doc, labelsOf(cluster)));
    const out = objects.every((o, i) => o === b.bundle.objects[i]) ? b : encodeBundle(objects);
    bundles.set(cluster, out);
    remember(cluster, out.digest);
  }
  const rewriter = bundleRewriter(store);
  const unchanged = new Map<string, Digest>();
  for (const [cluster, digest] of compiled.unchanged) {
    const out = await rewriter.rewrite(digest, overridesForCluster(doc, labelsOf(cluster)));
    unchanged.set(cluster, out);
    remember(cluster, out);
  }
  const warnings = [...(compiled.warnings ?? []), ...unappliedOverrides(compiled, doc)];
  return { ...compiled, bundles, unchanged, memo: { ...compiled.memo, clusters: memo }, ...(warnings.length > 0 ? { warnings } : {}) };
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
