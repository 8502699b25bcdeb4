/*
 * Fleet repository files the flag tests compile: one place for the fleet.yaml,
 * cluster and flag-file texts they share, so a change to the fleet format is
 * made once.
 */

/** The `web` app (plain ConfigMap manifest, namespace `shop`) every flag-test fleet has, as a fleet.yaml apps entry. */
const WEB_APP = `    - name: web
      path: apps/web
      namespace: shop
      targets: [{ selector: {} }]
`;

/** The manifest of the `web` app: one ConfigMap. */
export const WEB_MANIFEST = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { a: b }\n';

/**
 * A fleet.yaml with the `web` app, then `apps` (more apps entries, indented
 * as list items under spec.apps) and `delivery` (a `  delivery:` block), as given.
 */
export function flagFleetYaml(more: { readonly apps?: string; readonly delivery?: string } = {}): string {
  return `apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n${WEB_APP}${more.apps ?? ''}${more.delivery ?? ''}`;
}

/** `clusters/<name>.yaml`: a Cluster with these labels (values quoted, so `"1"` stays a string). */
export function clusterYaml(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata: { name: ${name}, labels: { ${pairs.join(', ')} } }\n`;
}

/** `flags/<key>.yaml` of a kill switch (variants on/off, default on) owned by `owner`, delivered to `shop`. */
export function killSwitchYaml(owner: string): string {
  return `type: kill-switch
owner: ${owner}
variants: { "on": true, "off": false }
defaultVariant: "on"
namespaces: [shop]
`;
}
