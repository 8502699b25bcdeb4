import { canonicalJson } from '../canonical-json.js';
import type { Cluster, Fleet, FleetApp } from './spec.js';
import { replaceVariables, unknownVariableMessage, type SubstitutionContext } from './substitute.js';
import { compileError, type YamlDocument } from './yaml-documents.js';

/** Largest canonical JSON of one target's `values`, in bytes (UTF-8). */
export const MAX_VALUES_BYTES = 64 * 1024;
/** Deepest nesting of mappings and sequences in one target's `values` (the `values` mapping itself is level 1). */
export const MAX_VALUES_DEPTH = 32;

/** Where one target's `values` sit in fleet.yaml (1-based lines). */
export interface TargetValuesLines {
  /** The `values:` key. */
  readonly line: number;
  /** The line of each string value holding `${`, by its path below `values` (`.image.tag`, `.env[0].value`). */
  readonly templated: Readonly<Record<string, number>>;
}

/** A target's values: a YAML mapping, JSON data only. */
export type HelmValues = Readonly<Record<string, unknown>>;

/**
 * Checks every target's `values` of a validated fleet.yaml and says where
 * they are, for errors found per cluster later: keys must be strings (YAML
 * 1.1 reads `yes:` as a boolean and `1:` as a number), the data JSON (no
 * `.nan`/`.inf`), at most {@link MAX_VALUES_DEPTH} levels and
 * {@link MAX_VALUES_BYTES} of canonical JSON. Returns lines by app and target
 * index (undefined for a target without values), or undefined when no target
 * has values. Errors are `InvalidDocument` naming `file`, line, app and target.
 */
export function checkFleetValues(fleet: Fleet, doc: YamlDocument, file: string): (TargetValuesLines | undefined)[][] | undefined {
  let any = false;
  const lines = fleet.spec.apps.map((app, i) =>
    app.targets.map((target, j) => {
      if (target.values === undefined) return undefined;
      any = true;
      const at = ['spec', 'apps', i, 'targets', j, 'values'];
      const where = `app ${app.name}: target ${j + 1} values`;
      const line = doc.keyLineAt(at);
      const bad = doc.nonStringKeyAt(at);
      if (bad?.key === '__proto__') throw compileError(file, bad.line, `${where}: key __proto__ is not allowed (JavaScript objects cannot hold it): rename it`);
      if (bad) throw compileError(file, bad.line, `${where}: key ${bad.key} is not a string (YAML 1.1 reads yes, no, on, off as booleans and digits as numbers): quote it`);
      const templated: Record<string, number> = {};
      walkValues(target.values, [], (path, value, depth) => {
        const problem = valueProblem(value, depth);
        if (problem) throw compileError(file, doc.lineAt([...at, ...path]), `${where}${dotted(path)}: ${problem}`);
        if (typeof value === 'string' && value.includes('${')) templated[dotted(path)] = doc.lineAt([...at, ...path]);
      });
      const bytes = new TextEncoder().encode(canonicalJson(target.values)).length;
      if (bytes > MAX_VALUES_BYTES) throw compileError(file, line, `${where}: ${bytes} bytes of JSON, more than the ${MAX_VALUES_BYTES} allowed per target; put large defaults in the chart's values.yaml`);
      return { line, templated };
    }),
  );
  return any ? lines : undefined;
}

/**
 * The values one cluster gets for app number `appIndex` of `fleet`: the
 * `values` of every target that selects the cluster (`matching`, indexes in
 * target order), each with `${...}` substituted in its string values (keys
 * untouched; a string that is exactly one variable stays a string). Each is
 * one `helm template -f` file, later ones winning. Empty when no matching
 * target has values. An unknown variable is an `InvalidDocument` error
 * naming fleet.yaml, the value's line, the app, the target (1-based) and the
 * value's path.
 */
export function valuesForCluster(fleet: Fleet, appIndex: number, matching: readonly number[], ctx: SubstitutionContext): HelmValues[] {
  const app = fleet.spec.apps[appIndex] as FleetApp;
  const out: HelmValues[] = [];
  for (const j of matching) {
    const values = app.targets[j]?.values;
    if (values === undefined) continue;
    const lines = fleet.lines?.values?.[appIndex]?.[j];
    // Most values hold no variable: skip the walk when parseFleet found none.
    if (lines && Object.keys(lines.templated).length === 0) {
      out.push(values);
      continue;
    }
    out.push(
      substituteValues(values, ctx, (path, name) => {
        const line = lines?.templated[dotted(path)] ?? lines?.line;
        return compileError('fleet.yaml', line, `app ${app.name}: target ${j + 1} values${dotted(path)}: ${unknownVariableMessage(name, ctx)}`);
      }) as HelmValues,
    );
  }
  return out;
}

/**
 * `value` with `${...}` substituted in every string (keys untouched), as
 * {@link replaceVariables} does for manifests, but without parsing the
 * result again: a string stays a string. Parts without a `${` are returned
 * as they are (the same objects). `unknown` gets the path of the string and
 * the variable, and returns what to throw.
 */
export function substituteValues(value: unknown, ctx: SubstitutionContext, unknown: (path: readonly (string | number)[], name: string) => Error, path: readonly (string | number)[] = []): unknown {
  if (typeof value === 'string') return replaceVariables(value, ctx, (name) => unknown(path, name));
  if (Array.isArray(value)) {
    const items = value.map((v, i) => substituteValues(v, ctx, unknown, [...path, i]));
    return items.every((v, i) => v === value[i]) ? value : items;
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([k, v]) => [k, substituteValues(v, ctx, unknown, [...path, k])] as const);
  // fromEntries defines own properties, so a `__proto__` key stays a key.
  return entries.every(([k, v]) => v === (value as Record<string, unknown>)[k]) ? value : Object.fromEntries(entries);
}

/**
 * The key under which a chart rendering with these values (the list one
 * cluster gets, in order) is shared: their canonical JSON, so key order in
 * fleet.yaml does not matter.
 */
export function helmValuesKey(values: readonly HelmValues[]): string {
  return canonicalJson(values);
}

/** The context `${...}` in a cluster's values resolves against. */
export function valuesContext(cluster: Cluster, vars: Readonly<Record<string, string>>): SubstitutionContext {
  return { clusterName: cluster.metadata.name, labels: cluster.metadata.labels, vars };
}

function walkValues(value: unknown, path: (string | number)[], visit: (path: readonly (string | number)[], value: unknown, depth: number) => void, depth = 0): void {
  visit(path, value, depth);
  if (depth > MAX_VALUES_DEPTH) return;
  if (Array.isArray(value)) value.forEach((v, i) => walkValues(v, [...path, i], visit, depth + 1));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkValues(v, [...path, k], visit, depth + 1);
}

function valueProblem(value: unknown, depth: number): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return `${String(value)} is not a JSON number`;
  const nested = Array.isArray(value) || (value !== null && typeof value === 'object');
  if (nested && !Array.isArray(value) && ![Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)) return 'binary or tagged data is not JSON data';
  if (nested && depth >= MAX_VALUES_DEPTH) return `nested more than ${MAX_VALUES_DEPTH} levels deep`;
  if (value === null || nested || ['string', 'number', 'boolean'].includes(typeof value)) return undefined;
  return `${typeof value} is not JSON data`;
}

/** `.image.tag`, `.env[0].value`, `["a.b"]`: the path as a user finds it in fleet.yaml. */
function dotted(path: readonly (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('');
}
