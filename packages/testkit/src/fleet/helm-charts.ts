/**
 * Helm charts as repository files, for tests of rendering, compile and
 * delivery: each function returns `{ path: content }` for a chart in `dir`.
 * The charts' Chart.yaml names differ from their directory names on purpose:
 * helm prints the chart name, the hub must map it back to the directory.
 */

/** Files under `dir`, keyed by repository path. */
function under(dir: string, files: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => [`${dir}/${path}`, text]));
}

/**
 * Chart `webapp` with a vendored dependency `cache` under `charts/` (declared
 * in Chart.yaml, no repository access needed), a CRD under `crds/` and values
 * the parent passes to the subchart: a ConfigMap, a Deployment (replicas and
 * image from values), the subchart's Service.
 */
export function vendoredDependencyChart(dir: string): Record<string, string> {
  return under(dir, {
    'Chart.yaml': 'apiVersion: v2\nname: webapp\nversion: 1.2.3\nappVersion: "2.0"\ndependencies:\n  - name: cache\n    version: 0.1.0\n',
    'values.yaml': 'replicas: 1\nimage: { repository: nginx, tag: "1.27" }\ncolor: blue\ncache:\n  port: 6379\n',
    'templates/configmap.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  color: {{ .Values.color | quote }}\n  chart: {{ .Chart.Name }}-{{ .Chart.Version }}\n',
    'templates/deployment.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: { app: {{ .Release.Name }} }\n  template:\n    metadata:\n      labels: { app: {{ .Release.Name }} }\n    spec:\n      containers:\n        - name: web\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
    'crds/widgets.yaml':
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }\n',
    'charts/cache/Chart.yaml': 'apiVersion: v2\nname: cache\nversion: 0.1.0\n',
    'charts/cache/values.yaml': 'port: 1234\n',
    'charts/cache/templates/service.yaml':
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-cache\nspec:\n  ports:\n    - port: {{ .Values.port }}\n',
  });
}

/**
 * Chart `probe`: one ConfigMap reporting `.Capabilities.KubeVersion`,
 * `.Capabilities.APIVersions.Has` (a built-in and a made-up API), `.Release.Name`,
 * `.Release.Namespace`, what `lookup` finds (nothing without a cluster), and a
 * `${HOME}` that must stay literal.
 */
export function capabilitiesChart(dir: string): Record<string, string> {
  return under(dir, {
    'Chart.yaml': 'apiVersion: v2\nname: probe\nversion: 0.1.0\n',
    'templates/report.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: report',
      'data:',
      '  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}',
      '  hasApps: {{ .Capabilities.APIVersions.Has "apps/v1" | quote }}',
      '  hasMadeUp: {{ .Capabilities.APIVersions.Has "made.up/v9" | quote }}',
      '  release: {{ .Release.Name | quote }}',
      '  namespace: {{ .Release.Namespace | quote }}',
      '  lookup: {{ lookup "v1" "Namespace" "" "kube-system" | toJson | quote }}',
      '  script: "echo ${HOME}"',
      '',
    ].join('\n'),
  });
}

/** Chart `greeter` whose `templates/cm.yaml` line 6, column 13 `required`s `greeting`, which values.yaml leaves out. */
export function requiredValueChart(dir: string): Record<string, string> {
  return under(dir, {
    'Chart.yaml': 'apiVersion: v2\nname: greeter\nversion: 0.1.0\n',
    'values.yaml': 'audience: world\n',
    'templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  text: {{ required "greeting is required" .Values.greeting }} {{ .Values.audience }}\n',
  });
}

/**
 * Chart `hooked`: a plain ConfigMap, a `pre-install` Job hook (kept), a `test`
 * Pod and a `test-success` Pod outside `templates/tests/` (both dropped).
 */
export function hooksChart(dir: string): Record<string, string> {
  const pod = (name: string, hook: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  annotations:\n    "helm.sh/hook": ${hook}\nspec:\n  restartPolicy: Never\n  containers:\n    - { name: t, image: busybox }\n`;
  return under(dir, {
    'Chart.yaml': 'apiVersion: v2\nname: hooked\nversion: 0.1.0\n',
    'templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata: { a: b }\n',
    'templates/migrate.yaml':
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    "helm.sh/hook": pre-install,pre-upgrade\n    "helm.sh/hook-weight": "-5"\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - { name: m, image: busybox }\n',
    'templates/tests/connection.yaml': pod('connection-test', 'test'),
    'templates/smoke.yaml': pod('smoke', 'test-success'),
  });
}

/**
 * Chart `layered`: values.yaml with nested settings; the template prints the
 * merged values as YAML, so tests see how `-f` files layered over it merge
 * (later wins, maps merge, null deletes a key).
 */
export function valuesChart(dir: string): Record<string, string> {
  return under(dir, {
    'Chart.yaml': 'apiVersion: v2\nname: layered\nversion: 0.1.0\n',
    'values.yaml': 'size: small\nfeatures:\n  audit: true\n  cache: true\nlimits: { cpu: 100m, memory: 64Mi }\n',
    'templates/values.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: merged\ndata:\n  values: |\n{{ toYaml .Values | indent 4 }}\n',
  });
}
