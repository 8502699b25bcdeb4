import { clusterName, scenarioCluster, FLEET_SCENARIO } from '@driftless/testkit';
import { scenarioCommit } from './scenario-fleet.js';

/** The preview of `driftless bench --previews`: the branch pushed, the app previewed (app-01 runs on every cluster of the scenario), its namespace. */
export const BENCH_PREVIEW = { branch: 'feature/bench', app: 'app-01', namespace: 'pr-feature-bench' } as const;

const PREVIEWS_SPEC = `  previews:
    branches: ["feature/*"]
    clusters: { matchLabels: { previews: "true" } }
    apps: [${BENCH_PREVIEW.app}]
    namespace: "pr-\${branch.slug}"
    ttl: 72h
`;

/** The `hosts` preview hosts of a fleet of `clusters`: spread evenly over it, so they fall in every ring and env. */
export function previewHosts(clusters: number, hosts: number): string[] {
  return Array.from({ length: hosts }, (_, k) => clusterName(Math.floor((k * clusters) / hosts)));
}

/**
 * The base branch's files: the scenario's first commit (plain manifests, as
 * every bench run), fleet.yaml with `spec.previews` (branches `feature/*`,
 * app-01 in `pr-${branch.slug}`, on clusters labelled `previews: "true"`),
 * and that label on the hosts' cluster files.
 */
export function previewsBaseFiles(clusters: number, apps: number, hosts: readonly string[]): Record<string, string> {
  const { files } = scenarioCommit(0, clusters, apps);
  files['fleet.yaml'] = `${files['fleet.yaml'] ?? ''}${PREVIEWS_SPEC}`;
  const hostSet = new Set(hosts);
  for (let i = 0; i < clusters; i++) {
    const c = scenarioCluster(i, FLEET_SCENARIO);
    if (!hostSet.has(c.name)) continue;
    // JSON is YAML's flow style: the scenario's labels with the hosts' one.
    const labels = JSON.stringify({ ...c.labels, previews: 'true' });
    files[`clusters/${c.name}.yaml`] = `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${c.name}\n  labels: ${labels}\nspec:\n  vars: ${JSON.stringify(c.vars)}\n`;
  }
  return files;
}

/** What the push changes on the branch: app-01 as the scenario's commit 2 bumps it (a new image), so the preview differs from the release. */
export function previewBranchChanges(clusters: number, apps: number): Record<string, string> {
  const path = `apps/${BENCH_PREVIEW.app}/manifests.yaml`;
  const bumped = scenarioCommit(2, clusters, apps).files[path];
  if (bumped === undefined) throw new Error(`bench: the scenario has no ${path} (apps ${apps} < 2)`);
  return { [path]: bumped };
}
