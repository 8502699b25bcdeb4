import { canonicalJson, type KubeObject } from '@driftless/core';

/** Largest data of one "large" ConfigMap (dashboards, rule files): well inside the API server's 1 MiB object limit. */
const LARGE_CONFIGMAP_BYTES = 512 * 1024;

/**
 * A bundle shaped like a real platform's: a Namespace, then groups of a
 * Deployment (three containers with env, probes, resources and volumes), a
 * Service and two ConfigMaps, until `objects` objects; then a few large
 * ConfigMaps (at most 512 KiB each, as Grafana dashboards or alert rules are)
 * that bring the canonical JSON up to about `targetBytes`. Deterministic: the
 * same arguments give the same objects.
 */
export function realisticBundle(objects: number, targetBytes: number): KubeObject[] {
  const ns = 'mem';
  const out: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }];
  const small: KubeObject[] = [];
  for (let i = 0; small.length < objects - 1; i++) {
    const app = `app-${String(i).padStart(4, '0')}`;
    small.push(deployment(ns, app, i), service(ns, app), configMap(ns, `${app}-config`, i, 300), configMap(ns, `${app}-flags`, i, 100));
  }
  small.length = objects - 1;
  const used = Buffer.byteLength(canonicalJson(small));
  // Room left for large ConfigMaps; they replace the last small objects so the count stays `objects`.
  let room = targetBytes - used;
  const large: KubeObject[] = [];
  while (room > 4096 && large.length < small.length) {
    // Newlines are escaped in JSON: the text takes about a tenth more room than its length.
    const cm = configMap(ns, `dashboards-${String(large.length).padStart(2, '0')}`, large.length, Math.min(LARGE_CONFIGMAP_BYTES, Math.floor(room * 0.9)));
    large.push(cm);
    room -= Buffer.byteLength(canonicalJson(cm)) - Buffer.byteLength(canonicalJson(small[small.length - large.length]));
  }
  return [...out, ...small.slice(0, small.length - large.length), ...large];
}

function deployment(ns: string, app: string, i: number): KubeObject {
  const labels = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'platform', tier: i % 2 === 0 ? 'web' : 'worker' };
  const container = (name: string, port: number): Record<string, unknown> => ({
    name,
    image: `registry.example.invalid/platform/${name}:1.${i % 17}.${i % 5}`,
    args: ['--config=/etc/app/config.yaml', `--port=${port}`, '--log-format=json'],
    ports: [{ name: 'http', containerPort: port }],
    env: [
      ...Array.from({ length: 5 }, (_, k) => ({ name: `${name.toUpperCase()}_SETTING_${k}`, value: `value-${i}-${k}` })),
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/readyz', port }, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 20 },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app' },
      { name: 'flags', mountPath: '/etc/flags' },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: ns, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': app } },
      template: {
        metadata: { labels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' } },
        spec: {
          containers: [container('app', 8080), container('sidecar', 9090), container('proxy', 15001)],
          volumes: [
            { name: 'config', configMap: { name: `${app}-config` } },
            { name: 'flags', configMap: { name: `${app}-flags` } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

function service(ns: string, app: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app, namespace: ns, labels: { 'app.kubernetes.io/name': app } },
    spec: {
      selector: { 'app.kubernetes.io/name': app },
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'metrics', port: 9090, targetPort: 9090 },
      ],
    },
  };
}

/** A ConfigMap of about `bytes` of YAML-like text: repetitive, as real configuration is, so it compresses as real bundles do. */
function configMap(ns: string, name: string, i: number, bytes: number): KubeObject {
  let text = '';
  for (let line = 0; text.length < bytes; line++) text += `setting_${line}: "value ${(i * 7919 + line * 104729) % 1000003}"\n`;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { 'config.yaml': text.slice(0, bytes) } };
}
