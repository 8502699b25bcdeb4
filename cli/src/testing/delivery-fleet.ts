import { canonicalJson } from '@driftless/core';

/** One cluster of a delivery test fleet: its labels (`ring` picks its ring by selector). */
export type FleetClusters = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** A small fleet for end-to-end tests of progressive delivery: what changes between commits. */
export interface DeliveryFleetShape {
  readonly clusters: FleetClusters;
  /** `spec.delivery`, written out as YAML (JSON is YAML). */
  readonly delivery: Readonly<Record<string, unknown>>;
  /** The `version` each app's ConfigMap carries; bump one to make a change. Default 1 for both. */
  readonly versions?: { readonly web?: string; readonly db?: string };
  /** A flagd flag-definition document: app `web` then carries it as the ConfigMap driftless-flags (built by hand here). */
  readonly flagd?: Readonly<Record<string, unknown>>;
  /**
   * Real flag files: key -> the body of `flags/<key>.yaml` without `namespaces`
   * (each lists app web's namespace, so the hub compiles its ConfigMap into it).
   */
  readonly flags?: Readonly<Record<string, string>>;
}

/**
 * A fleet repository as files: app `web` (stateless) on every cluster and app
 * `db` (`stateful: true`) on clusters labelled `db: "yes"`, each its own
 * Namespace and a ConfigMap, so a bundle applies to a bare kube-apiserver as
 * is and is ready at once (no controller-manager needed). Namespaces start
 * with `ns`, so tests sharing one API server never touch each other's objects.
 */
export function deliveryFleet(ns: string, shape: DeliveryFleetShape): Record<string, string> {
  const app = (name: string, version: string) =>
    `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns}-${name} }\n---\n` +
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}-settings }\ndata: { version: "${version}", cluster: "\${cluster.name}" }\n`;
  const files: Record<string, string> = {
    'fleet.yaml':
      'apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n' +
      `    - name: web\n      path: apps/web\n      namespace: ${ns}-web\n      targets: [{ selector: {} }]\n` +
      `    - name: db\n      path: apps/db\n      namespace: ${ns}-db\n      stateful: true\n      targets: [{ selector: { matchLabels: { db: "yes" } } }]\n` +
      `  delivery: ${JSON.stringify(shape.delivery)}\n`,
    'apps/web/manifests.yaml':
      app('web', shape.versions?.web ?? '1') +
      (shape.flagd ? `---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: driftless-flags }\ndata: { flags.flagd.json: ${JSON.stringify(canonicalJson(shape.flagd))} }\n` : ''),
    'apps/db/manifests.yaml': app('db', shape.versions?.db ?? '1'),
  };
  for (const [key, body] of Object.entries(shape.flags ?? {})) files[`flags/${key}.yaml`] = `${body}namespaces: [${ns}-web]\n`;
  for (const [name, labels] of Object.entries(shape.clusters)) {
    const flow = Object.entries(labels).map(([k, v]) => `${k}: "${v}"`).join(', ');
    files[`clusters/${name}.yaml`] = `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { ${flow} } }\nspec: {}\n`;
  }
  return files;
}
