/** A small fleet repository as files, for tests: a plain app, a kustomize app with an overlay, three clusters. */
export function fixtureFleet(): Record<string, string> {
  return {
    'fleet.yaml': `apiVersion: driftless.dev/v1alpha1
kind: Fleet
spec:
  apps:
    - name: web
      path: apps/web/base
      namespace: web
      targets:
        - selector: { matchLabels: { env: prod } }
          overlay: apps/web/overlays/prod
          vars: { replicas: "3" }
        - selector: { matchExpressions: [{ key: env, operator: In, values: [staging] }] }
          vars: { replicas: "1" }
    - name: config
      path: apps/config
      namespace: config
      targets:
        - selector: {}
`,
    'clusters/eu-prod-001.yaml': `apiVersion: driftless.dev/v1alpha1
kind: Cluster
metadata: { name: eu-prod-001, labels: { env: prod, region: eu } }
spec: { vars: { region: eu-west-1 } }
`,
    'clusters/us-prod-001.yaml': `apiVersion: driftless.dev/v1alpha1
kind: Cluster
metadata: { name: us-prod-001, labels: { env: prod, region: us } }
spec: { vars: { region: us-east-1 } }
`,
    'clusters/eu-stg-001.yaml': `apiVersion: driftless.dev/v1alpha1
kind: Cluster
metadata: { name: eu-stg-001, labels: { env: staging, region: eu } }
spec: { vars: { region: eu-west-1 } }
`,
    'apps/web/base/kustomization.yaml': `resources: [deployment.yaml, service.yaml]
`,
    'apps/web/base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: \${vars.replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: ghcr.io/example/web:1.0.0
          env: [{ name: REGION, value: "\${vars.region}" }]
`,
    'apps/web/base/service.yaml': `apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`,
    'apps/web/overlays/prod/kustomization.yaml': `resources: [../../base]
commonLabels: { tier: prod }
`,
    'apps/config/settings.yaml': `# plain manifests, two documents
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { cluster: "\${cluster.name}", region: "\${cluster.labels.region}" }
---
apiVersion: v1
kind: Namespace
metadata: { name: config }
`,
  };
}
