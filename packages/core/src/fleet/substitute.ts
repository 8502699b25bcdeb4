import { compileError } from './yaml-documents.js';

/** What `${…}` may refer to while rendering one app for one cluster. */
export interface SubstitutionContext {
  readonly clusterName: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Cluster vars overlaid with the matching target's vars. */
  readonly vars: Readonly<Record<string, string>>;
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;

/**
 * Replaces `${cluster.name}`, `${cluster.labels.KEY}` and `${vars.KEY}` in a
 * manifest's text (before it is parsed, as Flux's post-build substitution
 * does, so `replicas: ${vars.replicas}` becomes a number). `$${…}` is an escape
 * for a literal `${…}`. An unknown variable is an `InvalidDocument` error that
 * names it, the file and the line, never an empty string.
 */
export function substituteVariables(text: string, file: string, ctx: SubstitutionContext, lineOffset = 0): string {
  return replaceVariables(text, ctx, (name, offset) => {
    const line = text.slice(0, offset).split('\n').length + lineOffset;
    return compileError(file, line, unknownVariableMessage(name, ctx));
  });
}

/**
 * The substitution of {@link substituteVariables} on any string (a Helm
 * value, say), with the caller deciding the error: `unknown` gets the
 * variable as written and its offset in `text`, and returns what to throw.
 */
export function replaceVariables(text: string, ctx: SubstitutionContext, unknown: (name: string, offset: number) => Error): string {
  return replaceReferences(text, (name, written, offset) => {
    const value = resolve(name, ctx);
    if (value === undefined) throw unknown(written, offset);
    return value;
  });
}

/**
 * Replaces each `${…}` reference in `text` by what `replace` returns for its
 * name (trimmed; also as written, and its offset), and each `$${…}` escape
 * by the literal `${…}`: the one reading of references that substitution
 * and render templates share.
 */
export function replaceReferences(text: string, replace: (name: string, written: string, offset: number) => string): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (match, escape: string, name: string, offset: number) => (escape === '$' ? match.slice(1) : replace(name.trim(), name, offset)));
}

/** `unknown variable ${NAME} for cluster C (its vars are: …)`: what an unknown variable error says after its place. */
export function unknownVariableMessage(name: string, ctx: SubstitutionContext): string {
  return `unknown variable \${${name}} for cluster ${ctx.clusterName}${hint(name.trim(), ctx)}`;
}

/** The variable names a text refers to (escapes excluded), e.g. `vars.replicas`; for render caching. */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) if (m[1] !== '$' && m[2] !== undefined) names.add(m[2].trim());
  return [...names].sort();
}

/** The value of one variable name in `ctx`, or undefined when it does not exist. */
export function resolve(name: string, ctx: SubstitutionContext): string | undefined {
  if (name === 'cluster.name') return ctx.clusterName;
  if (name.startsWith('cluster.labels.')) return own(ctx.labels, name.slice('cluster.labels.'.length));
  if (name.startsWith('vars.')) return own(ctx.vars, name.slice('vars.'.length));
  return undefined;
}

function own(record: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function hint(name: string, ctx: SubstitutionContext): string {
  if (name.startsWith('vars.')) {
    const known = Object.keys(ctx.vars).sort();
    return known.length ? ` (its vars are: ${known.join(', ')})` : ' (it has no vars)';
  }
  if (name.startsWith('cluster.labels.')) {
    const known = Object.keys(ctx.labels).sort();
    return known.length ? ` (its labels are: ${known.join(', ')})` : ' (it has no labels)';
  }
  return '; use ${cluster.name}, ${cluster.labels.KEY} or ${vars.KEY}';
}
