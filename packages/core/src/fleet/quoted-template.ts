import { isScalar, visit, type Document } from 'yaml';
import { replaceReferences } from './substitute.js';
import { parseYamlDocumentNodes, type YamlLimits } from './yaml-documents.js';

/**
 * A document parsed once with placeholders where its variables are, when
 * every reference sits inside a one-line quoted scalar that is a value (not
 * a key, not tagged): a value that cannot end or escape the quotes then
 * gives, parsed as text, exactly the template's data with the value put in
 * the strings. That saves a YAML parse per cluster for a document that
 * names the cluster (`cluster: "${cluster.name}"`), whose renderings are all
 * distinct.
 */
export interface QuotedTemplate {
  /** The limits it was parsed under: a template answers for those only. */
  readonly limits: YamlLimits | undefined;
  readonly documents: readonly { readonly value: unknown; readonly line: number }[];
}

// Private-use characters: a text holding them gets no template, so they can only come from here.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;
/** Printable ASCII but `"`, `'` and `\`: literal inside either kind of quotes, and no line break. */
const SAFE_VALUE = /^[\x20\x21\x23-\x26\x28-\x5B\x5D-\x7E]*$/;

/**
 * The template of document `text` (what splitYamlDocuments cut, starting at
 * line `lineOffset + 1` of `file`) for `variables` (referencedVariables of
 * it), or undefined when a reference is anywhere else than in a one-line
 * quoted value (a plain or block scalar, a key, a comment, a tag), when the
 * document holds anything but plain data, or when it does not parse: the
 * text is then substituted and parsed per rendering, which also gives the
 * errors.
 */
export function quotedTemplateOf(text: string, variables: readonly string[], file: string, limits: YamlLimits | undefined, lineOffset: number): QuotedTemplate | undefined {
  if (text.includes(OPEN) || text.includes(CLOSE)) return undefined;
  let inserted = 0;
  const templateText = replaceReferences(text, (name) => `${OPEN}${variables.indexOf(name)}${CLOSE}`);
  for (const _ of templateText.matchAll(PLACEHOLDER)) inserted++;
  if (inserted === 0 || templateText.includes(`${OPEN}-1${CLOSE}`)) return undefined;
  let nodes: ReturnType<typeof parseYamlDocumentNodes>;
  try {
    nodes = parseYamlDocumentNodes(templateText, file, limits, lineOffset);
  } catch {
    return undefined;
  }
  let found = 0;
  for (const { node } of nodes) {
    const inQuotes = placeholdersInQuotedValues(node, templateText);
    if (inQuotes === undefined) return undefined;
    found += inQuotes;
  }
  // Any placeholder outside a quoted value (a comment, a tag, an anchor) is not counted.
  if (found !== inserted) return undefined;
  const documents = nodes.map(({ document }) => ({ value: document.value, line: document.line }));
  return documents.every((d) => isPlainData(d.value)) ? { limits, documents } : undefined;
}

/**
 * The documents of `template` with `values` (in the order of its variables)
 * put in, as parsing the substituted text would give them; fresh objects
 * each call. Undefined when a value could end or escape its quotes.
 */
export function fillQuotedTemplate(template: QuotedTemplate, values: readonly string[]): { value: unknown; line: number }[] | undefined {
  if (!values.every((v) => SAFE_VALUE.test(v))) return undefined;
  return template.documents.map((d) => ({ value: fill(d.value, values), line: d.line }));
}

/** Placeholders in quoted one-line values of `doc`, or undefined when one is in any other scalar or a key is not a scalar. */
function placeholdersInQuotedValues(doc: Document.Parsed, text: string): number | undefined {
  let count = 0;
  let refused = false;
  visit(doc, {
    Pair(_key, pair) {
      // A complex key (a mapping or sequence as key) hides its scalars from the check below.
      if (pair.key !== null && !isScalar(pair.key)) refused = true;
    },
    Scalar(key, node) {
      if (typeof node.value !== 'string' || !node.value.includes(OPEN)) return;
      const [start, end] = node.range ?? [0, 0];
      const source = text.slice(start, end);
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      const inValue = countOf(node.value);
      // Counted in the source too: an escape (`\uE000`) must not pass for a placeholder.
      if (key === 'key' || !quoted || node.tag !== undefined || /[\r\n]/.test(source) || countOf(source) !== inValue) refused = true;
      count += inValue;
    },
  });
  return refused ? undefined : count;
}

function countOf(s: string): number {
  let n = 0;
  for (const _ of s.matchAll(PLACEHOLDER)) n++;
  return n;
}

/** Null, booleans, numbers, strings, arrays and ordinary objects only (no `!!binary`, `!!set`, `__proto__` key): what fill copies faithfully. */
function isPlainData(v: unknown): boolean {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return true;
  if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype && v.every(isPlainData);
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype || Object.hasOwn(v, '__proto__')) return false;
  return Object.values(v).every(isPlainData);
}

function fill(v: unknown, values: readonly string[]): unknown {
  if (typeof v === 'string') return v.includes(OPEN) ? v.replace(PLACEHOLDER, (_m, i: string) => values[Number(i)] ?? '') : v;
  if (Array.isArray(v)) return v.map((x) => fill(x, values));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = fill(x, values);
  return out;
}
