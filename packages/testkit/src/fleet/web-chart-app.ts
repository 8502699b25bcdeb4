/**
 * The bench's Helm app `web` (issue 15): a small realistic chart (Deployment,
 * Service, ConfigMap, shared labels in `_helpers.tpl`, values used in every
 * template) with one value set per env, and the same app as plain YAML whose
 * target vars produce the very same objects: the two variants a fleet shape's
 * `helmApp` chooses between, so that a compile of each costs the same apart
 * from helm.
 */

/** The name, path and namespace of the bench's Helm app (and of its plain twin). */
export const WEB_APP = 'web';

/** `helmApp` of a fleet shape: one more app, `web`, to every cluster. */
export interface HelmAppShape {
  /** Distinct value sets, 1 to 3, chosen by the cluster's `env` label (prod, staging, then the rest): one target each. */
  readonly values: number;
  /** `chart` (default): a Helm chart with `values` per target; `plain`: plain YAML with the same objects from target `vars`. */
  readonly source?: 'chart' | 'plain';
}

interface ValueSet {
  readonly replicaCount: number;
  readonly logLevel: string;
  readonly resources: { readonly cpu: string; readonly memory: string };
}

// Per env, in target order; values.yaml's own defaults differ from each, so every target's values matter.
const VALUE_SETS: readonly { readonly env: string; readonly values: ValueSet }[] = [
  { env: 'prod', values: { replicaCount: 3, logLevel: 'warn', resources: { cpu: '200m', memory: '256Mi' } } },
  { env: 'staging', values: { replicaCount: 2, logLevel: 'info', resources: { cpu: '100m', memory: '128Mi' } } },
  { env: 'dev', values: { replicaCount: 1, logLevel: 'debug', resources: { cpu: '50m', memory: '64Mi' } } },
];

/** The targets of `web`: value set k for env k, the last one for every env not named before it. */
function targets(shape: HelmAppShape): { selector: unknown; values: ValueSet }[] {
  if (!Number.isInteger(shape.values) || shape.values < 1 || shape.values > VALUE_SETS.length) {
    throw new RangeError(`helmApp.values ${shape.values} must be an integer from 1 to ${VALUE_SETS.length}`);
  }
  const sets = VALUE_SETS.slice(0, shape.values);
  return sets.map((set, k) => {
    const before = sets.slice(0, k).map((s) => s.env);
    const last = k === sets.length - 1;
    const selector = !last ? { matchLabels: { env: set.env } } : before.length === 0 ? {} : { matchExpressions: [{ key: 'env', operator: 'NotIn', values: before }] };
    return { selector, values: set.values };
  });
}

/** The `fleet.yaml` entry of `web` (JSON flow style, so that numbers stay numbers in values). */
export function webAppEntry(shape: HelmAppShape): string {
  const chart = (shape.source ?? 'chart') === 'chart';
  const lines = targets(shape).map(({ selector, values }) => {
    const vars = { webReplicas: String(values.replicaCount), webLogLevel: values.logLevel, webCpu: values.resources.cpu, webMemory: values.resources.memory };
    return `        - selector: ${JSON.stringify(selector)}\n          ${chart ? `values: ${JSON.stringify(values)}` : `vars: ${JSON.stringify(vars)}`}\n`;
  });
  return `    - name: ${WEB_APP}\n      path: apps/${WEB_APP}\n      namespace: ${WEB_APP}\n      targets:\n${lines.join('')}`;
}

/** The files of `web` under `apps/web`: the chart, or the plain manifests; `namespace` also declares its Namespace. */
export function webAppFiles(shape: HelmAppShape, version: string, namespace: boolean): Record<string, string> {
  const dir = `apps/${WEB_APP}`;
  if ((shape.source ?? 'chart') === 'plain') {
    const ns = namespace ? `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${WEB_APP}\n---\n` : '';
    return { [`${dir}/manifests.yaml`]: ns + plainManifests(version) };
  }
  return {
    [`${dir}/Chart.yaml`]: `apiVersion: v2\nname: ${WEB_APP}\ndescription: A web service for the hub bench\ntype: application\nversion: 0.1.0\nappVersion: "${version}"\n`,
    [`${dir}/values.yaml`]: [
      'replicaCount: 1',
      'image:',
      '  repository: registry.example.invalid/web',
      `  tag: "${version}"`,
      'logLevel: info',
      'resources: { cpu: 10m, memory: 32Mi }',
      'service: { port: 80, targetPort: 8080 }',
      '',
    ].join('\n'),
    [`${dir}/templates/_helpers.tpl`]: HELPERS,
    [`${dir}/templates/deployment.yaml`]: DEPLOYMENT,
    [`${dir}/templates/service.yaml`]: SERVICE,
    [`${dir}/templates/configmap.yaml`]: CONFIGMAP,
    ...(namespace ? { [`${dir}/templates/namespace.yaml`]: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Release.Namespace }}\n' } : {}),
  };
}

const HELPERS = `{{- define "web.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "web.labels" -}}
{{ include "web.selector" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "web.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "web.selector" . | nindent 8 }}
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - containerPort: {{ .Values.service.targetPort }}
          envFrom:
            - configMapRef:
                name: {{ .Release.Name }}-settings
          resources:
            requests:
              cpu: {{ .Values.resources.cpu }}
              memory: {{ .Values.resources.memory }}
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  selector:
    {{- include "web.selector" . | nindent 4 }}
  ports:
    - port: {{ .Values.service.port }}
      targetPort: {{ .Values.service.targetPort }}
`;

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
  labels:
    {{- include "web.labels" . | nindent 4 }}
data:
  LOG_LEVEL: {{ .Values.logLevel | quote }}
  REPLICAS: {{ .Values.replicaCount | quote }}
`;

/** What the chart renders, written by hand: helm's own `managed-by: Helm` label included. */
function plainManifests(version: string): string {
  const selector = `app.kubernetes.io/name: ${WEB_APP}\n    app.kubernetes.io/instance: ${WEB_APP}`;
  const labels = `${selector}\n    app.kubernetes.io/version: "${version}"\n    app.kubernetes.io/managed-by: Helm`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${WEB_APP}
  labels:
    ${labels}
spec:
  replicas: \${vars.webReplicas}
  selector:
    matchLabels:
      ${selector.replaceAll('\n    ', '\n      ')}
  template:
    metadata:
      labels:
        ${selector.replaceAll('\n    ', '\n        ')}
    spec:
      containers:
        - name: ${WEB_APP}
          image: "registry.example.invalid/web:${version}"
          ports:
            - containerPort: 8080
          envFrom:
            - configMapRef:
                name: ${WEB_APP}-settings
          resources:
            requests:
              cpu: \${vars.webCpu}
              memory: \${vars.webMemory}
---
apiVersion: v1
kind: Service
metadata:
  name: ${WEB_APP}
  labels:
    ${labels}
spec:
  selector:
    ${selector}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${WEB_APP}-settings
  labels:
    ${labels}
data:
  LOG_LEVEL: "\${vars.webLogLevel}"
  REPLICAS: "\${vars.webReplicas}"
`;
}
