import { posix } from 'node:path';
import { z } from 'zod';
import { apiVersionField, clusterNameField, kindField } from '../documents/common.js';
import { deliverySpecSchema } from './delivery-spec.js';
import { checkFleetValues, type TargetValuesLines } from './helm-values.js';
import { dnsLabel, labelsField } from './labels.js';
import { checkPreviewApps, previewsSpecSchema } from './previews-spec.js';
import { labelSelectorSchema } from './selector.js';
import { varsField } from './vars-field.js';
import { compileError, parseYamlDocuments, type YamlDocument, type YamlLimits } from './yaml-documents.js';

/**
 * A path inside the fleet repository: relative, `/`-separated, no `..` that
 * leaves the repository. Normalized (`./apps/web/` -> `apps/web`).
 */
export const repoPathField = z.string().min(1).transform((p, ctx) => {
  const norm = posix.normalize(p).replace(/\/+$/, '');
  if (p.startsWith('/') || norm === '..' || norm.startsWith('../') || norm === '.' || norm === '') {
    ctx.addIssue({ code: 'custom', message: `path ${JSON.stringify(p)} must stay inside the repository (relative, no leading / or ..)` });
    return z.NEVER;
  }
  return norm;
});


export const targetSchema = z.strictObject({
  selector: labelSelectorSchema,
  /** Replaces the app's `path` for the clusters this target selects. */
  overlay: repoPathField.optional(),
  /** Override cluster vars for these clusters. */
  vars: varsField.optional(),
  /**
   * Helm charts only: values merged over the chart's values.yaml for these
   * clusters. Every matching target's values apply, in target order, as
   * repeated `helm template -f` do; `${...}` in their strings is substituted
   * per cluster.
   */
  values: z.record(z.string(), z.unknown()).optional(),
});

export const appSchema = z.strictObject({
  name: dnsLabel,
  path: repoPathField,
  /** Namespace for namespaced objects that have none; default `default`. */
  namespace: dnsLabel.optional(),
  /** A cluster gets the app if any target selects it; the first that does decides overlay and vars. */
  targets: z.array(targetSchema).min(1, 'an app needs at least one target'),
  /** Roll forward only: a failed ring's revert never moves a cluster whose stateful apps changed. Default false. */
  stateful: z.boolean().default(false),
});

/** `fleet.yaml`. */
export const fleetSchema = z.strictObject({
  apiVersion: apiVersionField,
  kind: kindField('Fleet'),
  metadata: z.looseObject({ name: z.string().optional() }).optional(),
  spec: z.strictObject({
    apps: z.array(appSchema),
    /** Rings, gates and approvals; absent, every pointer moves at once. */
    delivery: deliverySpecSchema.optional(),
    /** Preview environments per branch; absent, no previews. */
    previews: previewsSpecSchema.optional(),
  }),
}).superRefine((fleet, ctx) => {
  const seen = new Map<string, number>();
  fleet.spec.apps.forEach((app, i) => {
    const first = seen.get(app.name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['spec', 'apps', i, 'name'], message: `app ${app.name} is defined twice (also spec.apps[${first}])` });
    else seen.set(app.name, i);
  });
  checkPreviewApps(fleet.spec.previews, fleet.spec.apps, ctx);
});

/** `clusters/<name>.yaml`. */
export const clusterSchema = z.strictObject({
  apiVersion: apiVersionField,
  kind: kindField('Cluster'),
  metadata: z.strictObject({
    name: clusterNameField,
    /** Validated as Kubernetes labels, so `${cluster.labels.KEY}` can never inject YAML into a manifest. */
    labels: labelsField.default({}),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({ vars: varsField.default({}) }).default({ vars: {} }),
});

/**
 * A validated `fleet.yaml`. `lines`, set by parseFleet, says where parts of
 * the delivery block are (1-based), for errors found later that must name
 * a line (a cluster no ring takes).
 */
export type Fleet = z.infer<typeof fleetSchema> & { readonly lines?: FleetLines };

/** Lines of fleet.yaml (1-based) that errors and warnings found after parsing point at. */
export interface FleetLines {
  /** The `delivery:` key. */
  readonly delivery?: number;
  /** Each ring's entry under `delivery.rings`, in order. */
  readonly rings?: readonly number[];
  /** Each check's entry under `delivery.checks`, in order (absent when there are none). */
  readonly checks?: readonly number[];
  /** Where each target's `values` are, by app and target index (absent when no target has values). */
  readonly values?: readonly (readonly (TargetValuesLines | undefined)[])[];
}
export type FleetApp = z.infer<typeof appSchema>;
export type FleetTarget = z.infer<typeof targetSchema>;
export type Cluster = z.infer<typeof clusterSchema>;

/** Validates one YAML document against `schema`, turning issues into `file:line: field: message` errors. */
export function validateYamlDocument<T>(schema: z.ZodType<T>, doc: YamlDocument, file: string): T {
  const result = schema.safeParse(doc.value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // Point at an unknown key itself rather than at the mapping that holds it.
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [...(issue?.path ?? []), ...(unknownKey === undefined ? [] : [unknownKey])];
  const field = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problems)` : '';
  throw compileError(file, doc.lineAt(path), `${field || '(document)'}: ${issue?.message ?? 'invalid'}${more}`);
}

/** The one YAML document of `text`; an `InvalidDocument` naming the line of a second one. */
export function singleYamlDocument(text: string, file: string, limits?: YamlLimits): YamlDocument {
  const docs = parseYamlDocuments(text, file, limits);
  if (docs.length !== 1 || !docs[0]) throw compileError(file, docs[1]?.line, `expected exactly one YAML document, found ${docs.length}`);
  return docs[0];
}

/** Parses and validates `fleet.yaml`. Errors name the file, line and field. */
export function parseFleet(text: string, file = 'fleet.yaml', limits?: YamlLimits): Fleet {
  const doc = singleYamlDocument(text, file, limits);
  const fleet = validateYamlDocument(fleetSchema, doc, file);
  const values = checkFleetValues(fleet, doc, file);
  const valuesLines = values ? { values } : {};
  const delivery = fleet.spec.delivery;
  if (!delivery) return values ? { ...fleet, lines: valuesLines } : fleet;
  const rings = delivery.rings.map((_r, i) => doc.lineAt(['spec', 'delivery', 'rings', i]));
  const checks = delivery.checks.map((_c, i) => doc.lineAt(['spec', 'delivery', 'checks', i]));
  return { ...fleet, lines: { delivery: doc.keyLineAt(['spec', 'delivery']), rings, ...(checks.length > 0 ? { checks } : {}), ...valuesLines } };
}

/**
 * Parses and validates `clusters/<name>.yaml`; the file name must be the
 * cluster's name (`.yaml` or `.yml`), so that one file is one cluster.
 */
export function parseCluster(text: string, file: string, limits?: YamlLimits): Cluster {
  const doc = singleYamlDocument(text, file, limits);
  const cluster = validateYamlDocument(clusterSchema, doc, file);
  const expected = posix.basename(file).replace(/\.ya?ml$/, '');
  if (cluster.metadata.name !== expected) {
    throw compileError(file, doc.lineAt(['metadata', 'name']), `metadata.name ${cluster.metadata.name} does not match the file name (expected ${expected})`);
  }
  return cluster;
}
