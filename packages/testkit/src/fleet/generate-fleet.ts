import { FLEET_SCENARIO, scenarioApps, scenarioCluster, type FleetScenario, type ScenarioApp, type ScenarioTarget } from './fleet-scenario.js';
import { WEB_APP, webAppEntry, webAppFiles, type HelmAppShape } from './web-chart-app.js';

/** The shape of a synthetic fleet repository. */
export interface FleetShape {
  readonly clusters: number;
  readonly apps: number;
  /** Apps built with kustomize (a base plus an overlay per env); the rest are plain directories. Default 2. */
  readonly kustomizeApps?: number;
  /** Version stamped into every app's image; bump it in one app to make a change. */
  readonly versions?: Readonly<Record<string, string>>;
  /** Each app also declares its Namespace, so its bundle applies to a real API server as is. Default false. */
  readonly namespaces?: boolean;
  /**
   * `spec.delivery` of fleet.yaml, as a value written out as YAML (clusters
   * carry a `ring` label, 0-9: see FleetScenario). Default: none, every
   * pointer moves at once.
   */
  readonly delivery?: Readonly<Record<string, unknown>>;
  /**
   * One more app, `web`, on every cluster: a Helm chart with `values` distinct
   * value sets chosen by the `env` label, or (`source: 'plain'`) plain YAML
   * giving the same objects (see web-chart-app.ts). Its version is
   * `versions.web`. Default: no such app.
   */
  readonly helmApp?: HelmAppShape;
}

/**
 * A synthetic fleet repository as files (path -> content), deterministic for a
 * shape: the fleet of `scenario` (see {@link FLEET_SCENARIO}), its labels,
 * variables and app targets written out as `fleet.yaml` and
 * `clusters/<name>.yaml`. Each app is a Deployment, a Service and a
 * ConfigMap; the per-cluster app's ConfigMap names the cluster, so every
 * cluster's bundle is unique (the worst case for a publish).
 */
export function generateFleet(shape: FleetShape, scenario: FleetScenario = FLEET_SCENARIO): Record<string, string> {
  const files: Record<string, string> = {};
  const apps: string[] = [];
  for (const app of scenarioApps(shape, scenario)) {
    const { name } = app;
    const docs = namespaceDoc(shape, name) + manifests(name, shape.versions?.[name] ?? '1.0.0', app.perCluster);
    if (app.kustomize) {
      files[`apps/${name}/base/kustomization.yaml`] = 'resources: [manifests.yaml]\n';
      files[`apps/${name}/base/manifests.yaml`] = docs;
      for (const overlay of new Set(app.targets.flatMap((t) => (t.overlay ? [t.overlay] : [])))) {
        files[`apps/${name}/overlays/${overlay}/kustomization.yaml`] = `resources: [../../base]\ncommonLabels: { tier: ${overlay} }\n`;
      }
    } else {
      files[`apps/${name}/manifests.yaml`] = docs;
    }
    apps.push(appEntry(app));
  }
  if (shape.helmApp) {
    Object.assign(files, webAppFiles(shape.helmApp, shape.versions?.[WEB_APP] ?? '1.0.0', shape.namespaces ?? false));
    apps.push(webAppEntry(shape.helmApp));
  }
  const delivery = shape.delivery ? `  delivery: ${JSON.stringify(shape.delivery)}\n` : '';
  files['fleet.yaml'] = `apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n${apps.join('')}${delivery}`;
  for (let i = 0; i < shape.clusters; i++) {
    const c = scenarioCluster(i, scenario);
    files[`clusters/${c.name}.yaml`] =
      `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${c.name}\n  labels: ${flow(c.labels)}\n` + `spec:\n  vars: ${flow(c.vars)}\n`;
  }
  return files;
}

function appEntry(app: ScenarioApp): string {
  const path = app.kustomize ? `apps/${app.name}/base` : `apps/${app.name}`;
  return `    - name: ${app.name}\n      path: ${path}\n      namespace: ${app.name}\n      targets:\n${app.targets.map((t) => targetEntry(app.name, t)).join('')}`;
}

function targetEntry(app: string, t: ScenarioTarget): string {
  return (
    `        - selector: ${flow(t.selector)}\n` +
    (t.overlay ? `          overlay: apps/${app}/overlays/${t.overlay}\n` : '') +
    (t.vars ? `          vars: ${flow(t.vars)}\n` : '')
  );
}

/** YAML flow style for the plain data of a scenario: strings that would read as numbers are quoted. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${flow(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  const text = String(value);
  return /^[\d.]+$/.test(text) ? `"${text}"` : text;
}

function namespaceDoc(shape: FleetShape, name: string): string {
  return shape.namespaces ? `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name} }\n---\n` : '';
}

function manifests(name: string, version: string, perCluster: boolean): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  replicas: \${vars.replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: ${name}
          image: registry.example.invalid/${name}:${version}
          ports: [{ containerPort: 8080 }]
          env:
            - { name: REGION, value: "\${vars.region}" }
          resources: { requests: { cpu: 50m, memory: 64Mi } }
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  selector: { app: ${name} }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: ${name}-settings }
data:
  log-level: info
  region: "\${cluster.labels.region}"${perCluster ? '\n  cluster: "${cluster.name}"' : ''}
`;
}
