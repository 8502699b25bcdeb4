import type { RepoReader, SourceFile } from '@driftless/core';

/**
 * The Kubernetes version `helm template` renders for (`.Capabilities.KubeVersion`):
 * fixed, so a compile never depends on a cluster; the API versions are helm's
 * built-in default set for it. Documented in the README (Helm charts).
 */
export const HELM_KUBE_VERSION = 'v1.37.0';

/** One `helm template` run: which chart, as which release, with which values. */
export interface HelmRenderRequest {
  /** The chart directory (it holds Chart.yaml), a repository path. */
  readonly dir: string;
  /** The release name: the app's name. */
  readonly release: string;
  /** The release namespace: the app's namespace, or `default`. */
  readonly namespace: string;
  /**
   * The substituted `values` of every fleet.yaml target that selects the
   * cluster, in target order: each is one `-f` file over the chart's own
   * values.yaml.
   */
  readonly values: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Renders a chart of the repository with `helm template` (no network, no
 * plugins, no cluster: `lookup` returns empty) and returns one SourceFile per
 * template it printed (`path` the template's repository path, `literal`),
 * Helm test hooks left out. `identity` names the binary and its version, so
 * that renderings remembered from another helm are not reused.
 */
export type HelmRunner = ((reader: RepoReader, req: HelmRenderRequest) => Promise<SourceFile[]>) & { identity?: () => Promise<string> };
