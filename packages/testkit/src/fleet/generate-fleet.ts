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
}

const ENVS = ['prod', 'prod', 'prod', 'prod', 'prod', 'prod', 'staging', 'staging', 'staging', 'dev'] as const;
const REGIONS = ['eu', 'us', 'ap'] as const;

/** `c-00042`: the name of cluster `i`. */
export const clusterName = (i: number): string => `c-${String(i).padStart(5, '0')}`;
/** `app-07`: the name of app `i`. */
export const appName = (i: number): string => `app-${String(i).padStart(2, '0')}`;

/**
 * A synthetic fleet repository as files (path -> content), deterministic for a
 * shape. Cluster i gets labels env (60% prod, 30% staging, 10% dev), region
 * (eu/us/ap), ring (i mod 10, so each ring is 10% of clusters) and vars. App 0
 * targets ring 0 only: changing it touches 10% of clusters. The other apps
 * target everything or one env, some with per-env vars; each app is a
 * Deployment, a Service and a ConfigMap, and app 1's ConfigMap names the
 * cluster, so every cluster's bundle is unique (the worst case for a publish).
 */
export function generateFleet(shape: FleetShape): Record<string, string> {
  const files: Record<string, string> = {};
  const kustomized = shape.kustomizeApps ?? 2;
  const apps: string[] = [];
  for (let a = 0; a < shape.apps; a++) {
    const name = appName(a);
    const version = shape.versions?.[name] ?? '1.0.0';
    const targets =
      a === 0
        ? '        - selector: { matchLabels: { ring: "0" } }\n'
        : a % 3 === 0
          ? `        - selector: { matchLabels: { env: prod } }\n          vars: { replicas: "3" }\n        - selector: { matchExpressions: [{ key: env, operator: In, values: [staging, dev] }] }\n`
          : a % 3 === 1
            ? '        - selector: {}\n'
            : '        - selector: { matchExpressions: [{ key: env, operator: NotIn, values: [dev] }] }\n';
    const isKustomize = a >= 2 && a < 2 + kustomized;
    if (isKustomize) {
      files[`apps/${name}/base/kustomization.yaml`] = 'resources: [manifests.yaml]\n';
      files[`apps/${name}/base/manifests.yaml`] = namespaceDoc(shape, name) + manifests(name, version, a === 1);
      files[`apps/${name}/overlays/prod/kustomization.yaml`] = `resources: [../../base]\ncommonLabels: { tier: prod }\n`;
      apps.push(
        `    - name: ${name}\n      path: apps/${name}/base\n      namespace: ${name}\n      targets:\n        - selector: { matchLabels: { env: prod } }\n          overlay: apps/${name}/overlays/prod\n        - selector: {}\n`,
      );
    } else {
      files[`apps/${name}/manifests.yaml`] = namespaceDoc(shape, name) + manifests(name, version, a === 1);
      apps.push(`    - name: ${name}\n      path: apps/${name}\n      namespace: ${name}\n      targets:\n${targets}`);
    }
  }
  files['fleet.yaml'] = `apiVersion: driftless.dev/v1alpha1\nkind: Fleet\nspec:\n  apps:\n${apps.join('')}`;
  for (let i = 0; i < shape.clusters; i++) {
    const name = clusterName(i);
    const env = ENVS[i % ENVS.length] ?? 'prod';
    const region = REGIONS[Math.floor(i / 10) % REGIONS.length] ?? 'eu';
    files[`clusters/${name}.yaml`] =
      `apiVersion: driftless.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${name}\n  labels: { env: ${env}, region: ${region}, ring: "${i % 10}" }\n` +
      `spec:\n  vars: { replicas: "${env === 'prod' ? 2 : 1}", region: ${region}-${1 + (i % 2)} }\n`;
  }
  return files;
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
