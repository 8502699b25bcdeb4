import type { KubeObject } from '@driftless/core';

/**
 * The desired state of the virtual fleet's clusters at commit `k`, without a
 * repository: cluster `i` is in ring `i % 10`; app 0 goes to ring 0 only, the
 * other apps to every cluster; each app is a Namespace, a Deployment, a
 * Service and a ConfigMap, like the generated fleet repository. Commit `k >= 1`
 * bumps app `(k - 1) % apps`, so commit 1 touches 10% of the clusters and the
 * next ones all of them.
 */
export function syntheticObjects(ring0: boolean, apps: number, k: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let a = ring0 ? 0 : 1; a < apps; a++) {
    const name = `app-${String(a).padStart(2, '0')}`;
    const bumps = k === 0 ? 0 : Math.floor((k - 1 - a) / apps) + 1;
    const version = `1.0.${Math.max(0, bumps)}`;
    const labels = { app: name };
    out.push(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: name, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name, image: `registry.example.invalid/${name}:${version}`, ports: [{ containerPort: 8080 }] }] },
          },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-settings`, namespace: name }, data: { 'log-level': 'info' } },
    );
  }
  return out;
}
