/*
 * Kubernetes label-selector strings (`kubectl -l` syntax), parsed and matched
 * as kube-apiserver does: the in-memory kube fake filters lists with it, and
 * `driftless flag set --selector` picks clusters by their labels with it.
 */

/** One parsed requirement of a label selector string. */
export interface LabelRequirement {
  readonly key: string;
  readonly op: 'exists' | '!exists' | 'in' | 'notin' | 'gt' | 'lt';
  readonly values: readonly string[];
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a valid label key (`prefix/name`, as the API server checks it), or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !SUBDOMAIN.test(prefix))) {
    return `Invalid value: "${key}": prefix part must be a lowercase RFC 1123 subdomain`;
  }
  if (name.length > 63 || !NAME.test(name)) {
    return `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function labelValueProblem(value: string): string | undefined {
  return value.length <= 63 && VALUE.test(value)
    ? undefined
    : `Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '<', '>']);

/** Splits a selector into tokens the way the API server's lexer does: symbols, and identifiers between them. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) i += 1;
    else if (SPECIAL.has(c)) {
      const two = text.slice(i, i + 2);
      const op = two === '==' || two === '!=' ? two : c;
      tokens.push(op);
      i += op.length;
    } else {
      let j = i;
      while (j < text.length && !/\s/.test(text.charAt(j)) && !SPECIAL.has(text.charAt(j))) j += 1;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

const isIdentifier = (t: string | undefined): t is string => t !== undefined && !SPECIAL.has(t.charAt(0));

/**
 * Parses a label selector string (`a=b,c!=d,e in (x,y),!f,g>1`) with the
 * grammar and validation of the API server. Throws an Error whose message says
 * what is wrong; the caller turns it into a refusal (HTTP 400, exit 2).
 */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const tokens = tokenize(text);
  const out: LabelRequirement[] = [];
  let i = 0;
  const next = (): string | undefined => tokens[i++];
  while (i < tokens.length) {
    let negated = false;
    if (tokens[i] === '!') {
      negated = true;
      i += 1;
    }
    const key = next();
    if (!isIdentifier(key)) throw new Error(`unable to parse requirement: found '${key ?? ''}', expected: identifier`);
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) throw new Error(`unable to parse requirement: ${keyProblem}`);
    const op = tokens[i];
    if (op === undefined || op === ',') {
      out.push({ key, op: negated ? '!exists' : 'exists', values: [] });
    } else if (negated) {
      throw new Error(`unable to parse requirement: found '${op}', expected: ',' or 'end of string'`);
    } else {
      i += 1;
      out.push({ key, ...operation(op, next, () => tokens[i]) });
    }
    const sep = next();
    if (sep === undefined) break;
    if (sep !== ',') throw new Error(`found '${sep}', expected: ',' or 'end of string'`);
    if (!isIdentifier(tokens[i]) && tokens[i] !== '!') throw new Error(`found '${tokens[i] ?? ''}', expected: identifier after ','`);
  }
  return out;
}

function operation(op: string, next: () => string | undefined, peek: () => string | undefined): Omit<LabelRequirement, 'key'> {
  const single = (): string => (isIdentifier(peek()) ? (next() ?? '') : '');
  const checked = (values: string[]): string[] => {
    for (const v of values) {
      const problem = labelValueProblem(v);
      if (problem) throw new Error(`unable to parse requirement: ${problem}`);
    }
    return values;
  };
  switch (op) {
    case '=':
    case '==':
      return { op: 'in', values: checked([single()]) };
    case '!=':
      return { op: 'notin', values: checked([single()]) };
    case '>':
    case '<': {
      const v = single();
      if (!/^-?\d+$/.test(v)) throw new Error(`unable to parse requirement: Invalid value: "${v}": for 'Gt', 'Lt' operators, the value must be an integer`);
      return { op: op === '>' ? 'gt' : 'lt', values: [v] };
    }
    case 'in':
    case 'notin': {
      if (next() !== '(') throw new Error(`unable to parse requirement: found '${peek() ?? ''}' expected: '('`);
      const values: string[] = [];
      for (;;) {
        values.push(single());
        const t = next();
        if (t === ')') break;
        if (t !== ',') throw new Error(`unable to parse requirement: found '${t ?? ''}', expected: ',' or ')'`);
      }
      // `in ()` is the empty set; an empty identifier between commas is the empty value.
      const set = values.length === 1 && values[0] === '' ? [] : values;
      return { op, values: checked(set) };
    }
    default:
      throw new Error(`unable to parse requirement: found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
  }
}

/** Whether `labels` satisfy every requirement (Kubernetes semantics: `!=` and `notin` also match a missing label). */
export function labelsMatch(requirements: readonly LabelRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const r of requirements) {
    const value = labels !== undefined && Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (value === undefined) return false;
        break;
      case '!exists':
        if (value !== undefined) return false;
        break;
      case 'in':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'notin':
        if (value !== undefined && r.values.includes(value)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (value === undefined || !/^-?\d+$/.test(value)) return false;
        const have = Number(value);
        const want = Number(r.values[0]);
        if (r.op === 'gt' ? !(have > want) : !(have < want)) return false;
        break;
      }
    }
  }
  return true;
}
