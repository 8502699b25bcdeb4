/**
 * The real components Driftless tests and `driftless dev up` run, pinned to exact
 * versions. Every one is built from Go modules with the installed Go toolchain
 * (`GOTOOLCHAIN=local`): the newest release that builds with Go 1.26 at the time
 * of pinning. Bumping a version here makes setup build the new binary beside the
 * old one (binaries are named `<name>-<version>`).
 */
export interface ComponentSpec {
  /** Binary name, also the name users see in progress and errors. */
  readonly name: ComponentName;
  /** Exact version: a semver tag or a Go pseudo-version. */
  readonly version: string;
  /**
   * How to build it:
   * - `install`: `go install <pkg>@<version>` (the module has no replace directives);
   * - `module`: a throwaway module that requires `<module>@<version>` and builds `<pkg>`,
   *   which ignores the dependency's own replace directives;
   * - `kubernetes`: like `module`, plus a replace of every `k8s.io/*` staging module that
   *   k8s.io/kubernetes lists as v0.0.0 with the matching `v0.Y.Z` release.
   */
  readonly build: 'install' | 'module' | 'kubernetes';
  readonly module: string;
  readonly pkg: string;
  /** Rough cold build time on 2 cores, shown while it builds (minutes). */
  readonly coldMinutes: number;
}

export type ComponentName = 'minio' | 'etcd' | 'kube-apiserver' | 'kustomize' | 'prometheus' | 'helm';

export const COMPONENTS: readonly ComponentSpec[] = [
  {
    name: 'etcd',
    version: 'v3.5.35',
    build: 'module',
    module: 'go.etcd.io/etcd/server/v3',
    pkg: 'go.etcd.io/etcd/server/v3',
    coldMinutes: 3,
  },
  {
    name: 'kube-apiserver',
    version: 'v1.37.2',
    build: 'kubernetes',
    module: 'k8s.io/kubernetes',
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    coldMinutes: 20,
  },
  {
    name: 'minio',
    version: 'v0.0.0-20260212201848-7aac2a2c5b7c',
    build: 'install',
    module: 'github.com/minio/minio',
    pkg: 'github.com/minio/minio',
    coldMinutes: 12,
  },
  {
    // v5.8.3 needs Go 1.27; v5.8.2 is the newest that builds with Go 1.26.
    name: 'kustomize',
    version: 'v5.8.2',
    build: 'install',
    module: 'sigs.k8s.io/kustomize/kustomize/v5',
    pkg: 'sigs.k8s.io/kustomize/kustomize/v5',
    coldMinutes: 3,
  },
  {
    // Built in a throwaway module: its go.mod carries replace directives `go install` refuses.
    name: 'prometheus',
    version: 'v0.316.0',
    build: 'module',
    module: 'github.com/prometheus/prometheus',
    pkg: 'github.com/prometheus/prometheus/cmd/prometheus',
    coldMinutes: 5,
  },
  {
    // v4.3.1 is the newest v4 and builds with Go 1.26.8; the hub renders Helm chart apps with it (`helm template`).
    name: 'helm',
    version: 'v4.3.1',
    build: 'install',
    module: 'helm.sh/helm/v4',
    pkg: 'helm.sh/helm/v4/cmd/helm',
    coldMinutes: 7,
  },
];

/** The spec of one component; throws on an unknown name (a programming error). */
export function component(name: ComponentName): ComponentSpec {
  const spec = COMPONENTS.find((c) => c.name === name);
  if (!spec) throw new Error(`unknown component ${name}`);
  return spec;
}

/**
 * The `replace` lines a throwaway module needs to build k8s.io/kubernetes at
 * `version` (vX.Y.Z): each staging module its go.mod lists at v0.0.0 is pinned
 * to v0.Y.Z. Pure: takes the text of k8s.io/kubernetes' go.mod.
 */
export function kubernetesStagingReplaces(goMod: string, version: string): string[] {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`kubernetes version ${version} is not of the form v1.Y.Z`);
  const staging = `v0.${m[1]}.${m[2]}`;
  const mods = new Set<string>();
  for (const line of goMod.split('\n')) {
    const hit = /^\s*(k8s\.io\/[\w.-]+)\s+v0\.0\.0\s*(\/\/.*)?$/.exec(line);
    if (hit?.[1]) mods.add(hit[1]);
  }
  return [...mods].sort().map((mod) => `${mod} => ${mod} ${staging}`);
}
