import { APP_ANNOTATION, PREVIEW_LABEL } from '../documents/preview.js';
import { compareRefs, refOf, type KubeObject } from '../documents/kube-object.js';
import { valuesContext, valuesForCluster } from './helm-values.js';
import { assembleClusterObjects, type AppInstance, type RenderedObject } from './render.js';
import { scopeOf, scopesFromCrds } from './scope.js';
import { selectorMatches } from './selector.js';
import type { Cluster, Fleet } from './spec.js';
import { DEFAULT_PREVIEW_POD_SECURITY, type PreviewPodSecurity } from './previews-spec.js';
import { compileError } from './yaml-documents.js';

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;

/** Who a preview is for: what `${branch.slug}`, `${branch.name}` and `${cluster.name}` in its vars stand for. */
export interface PreviewVarsContext {
  readonly slug: string;
  readonly branch: string;
  readonly cluster: string;
}

/**
 * `spec.previews.vars` for one branch on one host: `${branch.slug}`,
 * `${branch.name}` and `${cluster.name}` replaced (`$${…}` stays a literal
 * `${…}`). The fleet schema refuses any other variable, so one left here
 * stays as written.
 */
export function renderPreviewVars(vars: Readonly<Record<string, string>> | undefined, ctx: PreviewVarsContext): Record<string, string> {
  const values: Readonly<Record<string, string>> = { 'branch.slug': ctx.slug, 'branch.name': ctx.branch, 'cluster.name': ctx.cluster };
  return Object.fromEntries(
    Object.entries(vars ?? {}).map(([key, value]) => [
      key,
      value.replace(REFERENCE, (match, escape: string, name: string) => (escape === '$' ? match.slice(1) : (values[name.trim()] ?? match))),
    ]),
  );
}

/**
 * App number `appIndex` of a branch's `fleet` as preview host `cluster` gets
 * it, in `namespace`: the first target that selects the host decides overlay
 * and vars (none does: the app's `path`, no target vars), every selecting
 * target adds its Helm values, and `previewVars` (see renderPreviewVars) go
 * over the host's and the target's vars. The app's namespace is `namespace`,
 * so a chart's release namespace is the preview's.
 */
export function previewAppInstance(fleet: Fleet, appIndex: number, cluster: Cluster, previewVars: Readonly<Record<string, string>>, namespace: string): AppInstance {
  const app = fleet.spec.apps[appIndex];
  if (!app) throw new RangeError(`fleet has no app number ${appIndex}`);
  const matching = app.targets.flatMap((t, j) => (selectorMatches(t.selector, cluster.metadata.labels) ? [j] : []));
  const target = matching[0] === undefined ? undefined : app.targets[matching[0]];
  const vars = { ...cluster.spec.vars, ...target?.vars, ...previewVars };
  return { app: { ...app, namespace }, source: target?.overlay ?? app.path, vars, values: valuesForCluster(fleet, appIndex, matching, valuesContext(cluster, vars)) };
}

/** Where a preview's objects go and how they are marked. */
export interface PreviewPlacement {
  readonly namespace: string;
  readonly slug: string;
  readonly branch: string;
  /** Each previewed app's own namespace, as the branch's fleet.yaml gives it: its Namespace object is left out (the preview namespace replaces it). */
  readonly appNamespaces?: ReadonlyMap<string, string>;
  /** The namespace's `pod-security.kubernetes.io/enforce` level; default DEFAULT_PREVIEW_POD_SECURITY. */
  readonly podSecurity?: PreviewPodSecurity;
}

/** The label the Pod Security admission enforces a namespace's level by. */
const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/**
 * One host's preview objects from what its apps rendered: each in
 * `namespace` (a kind of unknown scope too: a preview holds only what a
 * namespace can), annotated APP_ANNOTATION `<namespace>/<app>` and labelled
 * PREVIEW_LABEL with the slug, plus the Namespace (labelled so, and with its
 * pod-security enforce level: a branch's pods cannot run privileged), sorted in
 * bundle order. The app's own Namespace (named by its `namespace`) is left
 * out: the preview namespace takes its place. Any other cluster-scoped object (a built-in kind, or one a CRD of
 * the same render declares `Cluster`) is an `InvalidDocument` naming its
 * file:line, kind/name, app and branch; the same object twice one naming
 * both places.
 */
export function assemblePreviewObjects(rendered: readonly RenderedObject[], at: PreviewPlacement): KubeObject[] {
  const fromCrds = scopesFromCrds(rendered.map((r) => r.object));
  // The app's own Namespace (the one its `namespace` names) is what the preview namespace replaces.
  const inNamespace = rendered.filter((r) => !(r.object.apiVersion === 'v1' && r.object.kind === 'Namespace' && r.object.metadata.name === at.appNamespaces?.get(r.app.name))).map((r) => {
    const { apiVersion, kind, metadata } = r.object;
    if (scopeOf(apiVersion, kind, fromCrds) === 'cluster') {
      throw compileError(r.file, r.line, `${kind}/${metadata.name} of app ${r.app.name} is cluster-scoped, and the preview of branch ${at.branch} holds namespaced objects only (all in namespace ${at.namespace}): leave it out of the previewed app, or deliver it with the fleet`);
    }
    return { ...r, object: { ...r.object, metadata: { ...metadata, namespace: at.namespace } } };
  });
  // assembleClusterObjects refuses the same object twice (file:line of both) and keeps the order, one object each.
  const placed = assembleClusterObjects(inNamespace).map((o, i) => marked(o, `${at.namespace}/${inNamespace[i]?.app.name ?? ''}`, at.slug));
  const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: at.namespace, labels: { [PREVIEW_LABEL]: at.slug, [POD_SECURITY_ENFORCE_LABEL]: at.podSecurity ?? DEFAULT_PREVIEW_POD_SECURITY } } };
  return [namespace, ...placed].sort((a, b) => compareRefs(refOf(a), refOf(b)));
}

function marked(obj: KubeObject, app: string, slug: string): KubeObject {
  const labels = { ...(obj.metadata['labels'] as Record<string, string> | undefined), [PREVIEW_LABEL]: slug };
  const annotations = { ...(obj.metadata['annotations'] as Record<string, string> | undefined), [APP_ANNOTATION]: app };
  return { ...obj, metadata: { ...obj.metadata, labels, annotations } };
}
