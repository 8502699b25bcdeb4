import picomatch from 'picomatch';
import { z } from 'zod';
import { durationField } from './delivery-spec.js';
import { MIN_SLUG_ROOM, renderPreviewNamespace, slugRoom } from './preview-slug.js';
import { labelSelectorSchema } from './selector.js';
import { referencedVariables } from './substitute.js';
import { varsField } from './vars-field.js';

/** How long a preview lives without a new commit when `ttl` is left out: 72h, in ms. */
export const DEFAULT_PREVIEW_TTL_MS = 72 * 3_600_000;
/** The variables a preview's namespace template may use (the hint in errors). */
export const PREVIEW_NAMESPACE_VARIABLES: readonly string[] = ['${branch.slug}'];
/** The variables a preview's vars may use (the hint in errors). */
export const PREVIEW_VARS_VARIABLES: readonly string[] = ['${branch.slug}', '${branch.name}', '${cluster.name}'];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `name` (as written between `${` and `}`) is one of `allowed` (written `${…}`). */
function allows(allowed: readonly string[], name: string): boolean {
  return allowed.includes(`\${${name}}`);
}

/** The Pod Security Standard levels a preview namespace may enforce. */
export const PREVIEW_POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
/** What a preview namespace enforces when `spec.previews.podSecurity` is left out. */
export const DEFAULT_PREVIEW_POD_SECURITY: PreviewPodSecurity = 'baseline';
/** A level of PREVIEW_POD_SECURITY_LEVELS. */
export type PreviewPodSecurity = (typeof PREVIEW_POD_SECURITY_LEVELS)[number];

/**
 * The namespace template: it must use `${branch.slug}` (else every branch
 * would share one namespace) with literal text besides it (else a branch
 * named `monitoring` would take the namespace `monitoring`), no other
 * variable (`${branch.name}` holds `/` and capitals, not DNS-safe), give a
 * DNS label and leave each slug at least MIN_SLUG_ROOM characters of the 63.
 */
const namespaceTemplateField = z.string().superRefine((template, ctx) => {
  const names = referencedVariables(template);
  const unknown = names.find((n) => !allows(PREVIEW_NAMESPACE_VARIABLES, n));
  if (unknown === 'branch.name') {
    ctx.addIssue({ code: 'custom', message: `\${branch.name} is not DNS-safe (it may hold / and capitals): use \${branch.slug}` });
  } else if (unknown !== undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown variable \${${unknown}}: a namespace template may use ${PREVIEW_NAMESPACE_VARIABLES.join(', ')}` });
  } else if (!names.includes('branch.slug')) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(template)} must contain \${branch.slug}, so each branch gets its own namespace` });
  } else if (renderPreviewNamespace(template, '') === '') {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(template)} needs literal text besides \${branch.slug} (pr-\${branch.slug}, say), so no branch name can take an existing namespace` });
  } else if (!DNS_LABEL.test(renderPreviewNamespace(template, 'a'))) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(template)} must give a DNS label: lowercase a-z, 0-9 and "-", starting and ending with a letter or digit` });
  } else if (slugRoom(template) < MIN_SLUG_ROOM) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(template)} leaves ${slugRoom(template)} characters for each \${branch.slug}; a namespace is at most 63 and a slug needs at least ${MIN_SLUG_ROOM}` });
  }
});

/** Preview vars: as cluster vars, and their values may use PREVIEW_VARS_VARIABLES only. */
const previewVarsField = varsField.superRefine((vars, ctx) => {
  for (const [key, value] of Object.entries(vars)) {
    const unknown = referencedVariables(value).find((n) => !allows(PREVIEW_VARS_VARIABLES, n));
    if (unknown !== undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `unknown variable \${${unknown}}: preview vars may use ${PREVIEW_VARS_VARIABLES.join(', ')}` });
    }
  }
});

/**
 * `spec.previews` of fleet.yaml: one preview environment per branch that a
 * pattern of `branches` matches (`*` within a `/`-separated segment, `**`
 * across them), holding `apps` (names of spec.apps, checked by the fleet
 * schema) in the namespace `namespace` renders, on the clusters `clusters`
 * selects, for `ttl` ms after its last commit (default 72h), its pods held
 * to the Pod Security Standard `podSecurity` (default baseline).
 */
export const previewsSpecSchema = z.strictObject({
  branches: z.array(z.string().trim().min(1, 'must be a branch pattern such as feature/*')).min(1, 'previews need at least one branch pattern'),
  /** The clusters that host previews. `{}` selects every cluster. */
  clusters: labelSelectorSchema,
  apps: z.array(z.string()).min(1, 'previews need at least one app'),
  namespace: namespaceTemplateField,
  ttl: durationField(true).default(DEFAULT_PREVIEW_TTL_MS),
  /** Extra vars for the previewed apps (a host name for an ingress, say); values may use PREVIEW_VARS_VARIABLES. */
  vars: previewVarsField.optional(),
  /** The `pod-security.kubernetes.io/enforce` level of each preview namespace; absent: DEFAULT_PREVIEW_POD_SECURITY. */
  podSecurity: z.enum(PREVIEW_POD_SECURITY_LEVELS).optional(),
});

/** `spec.previews` as parsed: `ttl` in ms (defaulted), vars as text. */
export type PreviewsSpec = z.infer<typeof previewsSpecSchema>;

/**
 * Adds an issue at `spec.previews.apps[i]` for each previewed app that
 * spec.apps does not define (naming the ones it does) or that is listed
 * twice. Called by the fleet schema, which alone sees both lists.
 */
export function checkPreviewApps(previews: PreviewsSpec | undefined, apps: readonly { readonly name: string }[], ctx: z.RefinementCtx): void {
  if (!previews) return;
  const defined = apps.map((a) => a.name);
  previews.apps.forEach((name, i) => {
    const path = ['spec', 'previews', 'apps', i];
    if (!defined.includes(name)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown app ${name}: spec.apps defines ${defined.length === 0 ? 'none' : defined.join(', ')}` });
    } else if (previews.apps.indexOf(name) !== i) {
      ctx.addIssue({ code: 'custom', path, message: `app ${name} is listed twice` });
    }
  });
}

/**
 * The branches of `branches` that some pattern of `spec.branches` matches,
 * sorted and without duplicates. `*` stays within a `/`-separated segment,
 * `**` crosses them, and a leading `.` in a segment is matched like any
 * character (branch names are not hidden files). `windows: false`: a backslash
 * is never a separator, whatever platform the hub runs on.
 */
export function matchPreviewBranches(spec: Pick<PreviewsSpec, 'branches'>, branches: readonly string[]): string[] {
  const matches = picomatch([...spec.branches], { dot: true, windows: false });
  return [...new Set(branches.filter((b) => matches(b)))].sort();
}
