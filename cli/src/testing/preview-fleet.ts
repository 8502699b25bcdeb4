/** What changes between commits of the preview test fleet. */
export interface PreviewFleetShape {
  /** The `version` app web's ConfigMap carries; change it to make a new commit differ. Default `1`. */
  readonly version?: string;
  /** Replaces apps/web/manifests.yaml's extra document (e.g. a cluster-scoped object, or broken YAML). */
  readonly extra?: string;
  /** `spec.previews.branches`; default `["feature/**"]`. */
  readonly branches?: readonly string[];
}

/**
 * A fleet repository as files for preview tests: app `web` on every cluster
 * (its own Namespace `<ns>-web` and a ConfigMap naming the version, the
 * cluster and `${vars.host}`), two clusters (`host` labelled `previews:
 * "true"`, `plain` not), and `spec.previews` previewing web on the host in
 * `<ns>-pr-${branch.slug}` with `host: ${branch.slug}.preview.example.com`.
 * Names start with `ns`, so tests sharing one API server never touch each other's objects.
 */
export function previewFleet(ns: string, shape: PreviewFleetShape = {}): Record<string, string> {
  const branches = JSON.stringify(shape.branches ?? ['feature/**']);
  return {
    'fleet.yaml':
      'apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n' +
      `    - name: web\n      path: apps/web\n      namespace: ${ns}-web\n      targets: [{ selector: {} }]\n` +
      '  previews:\n' +
      `    branches: ${branches}\n` +
      '    clusters: { matchLabels: { previews: "true" } }\n' +
      '    apps: [web]\n' +
      `    namespace: "${ns}-pr-\${branch.slug}"\n` +
      '    ttl: 72h\n' +
      '    vars: { host: "${branch.slug}.preview.example.com" }\n',
    'apps/web/manifests.yaml':
      `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns}-web }\n---\n` +
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web-settings }\ndata: { version: "${shape.version ?? '1'}", cluster: "\${cluster.name}", host: "\${vars.host}" }\n` +
      (shape.extra ? `---\n${shape.extra}` : ''),
    'clusters/host.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: host, labels: { previews: "true" } }\nspec: { vars: { host: main.example.com } }\n',
    'clusters/plain.yaml': 'apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: plain, labels: {} }\nspec: { vars: { host: main.example.com } }\n',
  };
}
