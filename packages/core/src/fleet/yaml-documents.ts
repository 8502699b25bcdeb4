import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { DriftlessError } from '../errors.js';
import { KUBERNETES_YAML_OPTIONS } from './kube-yaml-schema.js';

/** One YAML document of a file and the line (1-based) it starts at. */
export interface YamlDocument {
  readonly value: unknown;
  readonly line: number;
  /** The line of the node at `path` inside this document, or its start line when there is none. */
  lineAt(path: readonly PropertyKey[]): number;
  /** The line of the key that holds the node at `path` (`delivery:` rather than the first line of its mapping); else as lineAt. */
  keyLineAt(path: readonly PropertyKey[]): number;
  /**
   * The first mapping key at or under the node at `path` that is not a
   * string (`1`, `~`, `yes`: a boolean in YAML 1.1, a mapping) or is `__proto__` (which JavaScript objects drop), with its line
   * and text; undefined when every key is a string or there is no such node.
   */
  nonStringKeyAt(path: readonly PropertyKey[]): { readonly line: number; readonly key: string } | undefined;
}

/** Limits on YAML input; they protect the hub from hostile or mistaken repositories. */
export interface YamlLimits {
  /** Alias expansions allowed per document (a "billion laughs" needs many). Default 100. */
  readonly maxAliasCount: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = { maxAliasCount: 100 };

/** A compile error in a fleet repository, with file and line: stalled, exit code 2. */
export function compileError(file: string, line: number | undefined, message: string, cause?: unknown): DriftlessError<'InvalidDocument'> {
  const where = line === undefined ? file : `${file}:${line}`;
  return new DriftlessError(
    'InvalidDocument',
    `${where}: ${message}`,
    { subject: where, issues: [{ path: where, message }] },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Parses every document of a (multi-document) YAML text the way Kubernetes
 * reads it (YAML 1.1, see {@link KUBERNETES_YAML_OPTIONS}). Comments and empty
 * documents (a trailing `---`) are skipped. Malformed YAML, duplicate keys and
 * alias bombs are `InvalidDocument` errors naming `file` and the line.
 */
export function parseYamlDocuments(text: string, file: string, limits: YamlLimits = DEFAULT_YAML_LIMITS, lineOffset = 0): YamlDocument[] {
  return parseYamlDocumentNodes(text, file, limits, lineOffset).map((d) => d.document);
}

/** One document of {@link parseYamlDocumentNodes}: as parseYamlDocuments gives it, and its syntax tree. */
export interface YamlDocumentNode {
  readonly document: YamlDocument;
  readonly node: Document.Parsed;
}

/**
 * {@link parseYamlDocuments} with each document's syntax tree, for a caller
 * that must know how a value was written (quoted or not, key or value).
 */
export function parseYamlDocumentNodes(text: string, file: string, limits: YamlLimits = DEFAULT_YAML_LIMITS, lineOffset = 0): YamlDocumentNode[] {
  const index = lineIndex(text);
  const lineOf = (offset: number): number => index(offset) + lineOffset;
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { ...KUBERNETES_YAML_OPTIONS, uniqueKeys: true, prettyErrors: false }) as Document.Parsed[];
  } catch (err) {
    throw compileError(file, undefined, `malformed YAML: ${(err as Error).message}`, err);
  }
  if (!Array.isArray(docs)) docs = [docs];
  const out: YamlDocumentNode[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) throw compileError(file, lineOf(error.pos[0]), `malformed YAML: ${firstLine(error.message)}`);
    if (doc.contents === null) continue;
    const line = lineOf(doc.contents.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      throw compileError(file, line, `YAML document refused: ${(err as Error).message}`, err);
    }
    if (value === null || value === undefined) continue;
    const lineAt = (path: readonly PropertyKey[]): number => {
      for (let n = path.length; n > 0; n--) {
        const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
        const start = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
        if (start !== undefined) return lineOf(start);
      }
      return line;
    };
    const keyLineAt = (path: readonly PropertyKey[]): number => {
      const parent: unknown = path.length > 1 ? doc.getIn(path.slice(0, -1) as unknown[], true) : doc.contents;
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]) : undefined;
      const start = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
      return start === undefined ? lineAt(path) : lineOf(start);
    };
    const nonStringKeyAt = (path: readonly PropertyKey[]): { line: number; key: string } | undefined => {
      const bad = findNonStringKey(doc, doc.getIn(path as unknown[], true), new Set());
      return bad && { line: lineOf(bad.offset), key: bad.key };
    };
    out.push({ document: { value, line, lineAt, keyLineAt, nonStringKeyAt }, node: doc });
  }
  return out;
}

/** One document's text cut from a multi-document file, and the line (1-based) it starts at. */
export interface YamlChunk {
  readonly text: string;
  readonly line: number;
}

/**
 * Cuts a multi-document YAML text at its `---` lines (a `---` at the start of
 * a line always starts a new document in YAML), so each document can be
 * substituted, parsed and cached on its own. A `---` followed by content on
 * the same line is not cut at: the whole text is then one chunk.
 */
export function splitYamlDocuments(text: string): YamlChunk[] {
  const lines = text.split('\n');
  if (lines.some((l) => /^---[ \t]*\S/.test(l) && !/^---[ \t]*#/.test(l))) return [{ text, line: 1 }];
  const chunks: YamlChunk[] = [];
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i === lines.length || /^---[ \t]*(#.*)?$/.test(lines[i] ?? '')) {
      const body = lines.slice(start, i).join('\n');
      if (body.trim() !== '') chunks.push({ text: body, line: start + 1 });
      start = i + 1;
    }
  }
  return chunks;
}

/** Depth first, in document order; aliases are followed once each (an alias cycle or bomb ends there). */
function findNonStringKey(doc: Document.Parsed, node: unknown, seen: Set<unknown>): { offset: number; key: string } | undefined {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (seen.has(target)) return undefined;
    seen.add(target);
    return findNonStringKey(doc, target, seen);
  }
  if (isSeq(node)) {
    for (const item of node.items) {
      const bad = findNonStringKey(doc, item, seen);
      if (bad) return bad;
    }
  }
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    const key: unknown = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
    // A `<<` merge key (YAML 1.1) is a symbol here: its keys are checked where they are written.
    const merge = isScalar(key) && typeof key.value === 'symbol';
    // `__proto__` is a string, but a JavaScript object drops it (zod does): it is reported with the others.
    if (!merge && (!isScalar(key) || typeof key.value !== 'string' || key.value === '__proto__')) {
      const range = (pair.key as { range?: [number, number, number] } | null)?.range;
      const text = isScalar(key) ? (key.source ?? String(key.value)) : '(a mapping or sequence)';
      return { offset: range?.[0] ?? node.range?.[0] ?? 0, key: text };
    }
    const bad = findNonStringKey(doc, pair.value, seen);
    if (bad) return bad;
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Maps a character offset to its 1-based line number. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
