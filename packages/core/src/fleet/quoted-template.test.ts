import { describe, expect, it } from 'vitest';
import { fillQuotedTemplate, quotedTemplateOf } from './quoted-template.js';
import { referencedVariables, substituteVariables } from './substitute.js';
import { parseYamlDocuments } from './yaml-documents.js';

const templateOf = (text: string) => quotedTemplateOf(text, referencedVariables(text), 'apps/a/x.yaml', undefined, 4);

/** What the renderer did before templates: substitute the text, then parse it. */
const parsed = (text: string, name: string, region: string) =>
  parseYamlDocuments(substituteVariables(text, 'apps/a/x.yaml', { clusterName: name, labels: { region }, vars: {} }, 4), 'apps/a/x.yaml', undefined, 4).map((d) => ({ value: d.value, line: d.line }));

// Values that YAML would read as something else if they were not inside quotes.
const VALUES = ['eu-prod-001', 'yes', 'no', '0400', 'null', '~', '-1', '1e3', '.inf', 'a: b', 'x #y', ' lead and trail ', '[1, 2]', '{a: 1}', '&a *b !t', '%', '', 'https://x.example.invalid/p?q=1&r=$x'];

describe('quotedTemplateOf and fillQuotedTemplate', () => {
  it.each([
    ['double quotes', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: s }\ndata:\n  cluster: "${cluster.name}"\n  region: "${cluster.labels.region}"\n'],
    ['single quotes, two references in one scalar', "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: s }\ndata: { host: '${cluster.name}.${cluster.labels.region}.example.invalid', it: 'it''s ${cluster.name}' }\n"],
    ['a flow sequence, an escape and a plain scalar without references', 'apiVersion: v1\nkind: List\nmetadata: { name: l }\nitems: ["${cluster.name}", "$${cluster.name}", 3, yes]\n'],
    ['an anchored value used again through an alias', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: s }\ndata:\n  a: &who "${cluster.name}"\n  b: *who\n'],
    ['a merge key', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: s }\nbase: &base { who: "${cluster.name}" }\ndata:\n  <<: *base\n  where: "${cluster.labels.region}"\n'],
  ])('gives what substituting and parsing gives, with %s', (_what, text) => {
    const template = templateOf(text);
    expect(template).toBeDefined();
    for (const value of VALUES) {
      const values = referencedVariables(text).map((v) => (v === 'cluster.name' ? value : 'eu'));
      expect(fillQuotedTemplate(template!, values)).toEqual(parsed(text, value, 'eu'));
    }
  });

  it('gives fresh objects for every rendering', () => {
    const template = templateOf('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: s }\ndata: { a: "${cluster.name}" }\n')!;
    const [one, two] = [fillQuotedTemplate(template, ['a']), fillQuotedTemplate(template, ['a'])];
    expect(one).toEqual(two);
    expect(one?.[0]?.value).not.toBe(two?.[0]?.value);
  });

  it.each([
    ['a plain scalar (YAML reads the value: a number, a boolean)', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\nspec: { replicas: ${cluster.name} }\n'],
    ['a block scalar', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata:\n  run: |\n    echo "${cluster.name}"\n'],
    ['a key', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata: { "${cluster.name}": a }\n'],
    ['a scalar inside a complex key', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata:\n  ? ["${cluster.name}"]\n  : a\n'],
    ['a comment', '# for ${cluster.name}\napiVersion: v1\nkind: X\nmetadata: { name: s }\ndata: { a: "${cluster.name}" }\n'],
    ['a quoted scalar over two lines (folded)', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata: { a: "x\n  ${cluster.name}" }\n'],
    ['a tagged quoted scalar', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata: { a: !!str "${cluster.name}" }\n'],
    ['an escape next to it', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata: { a: "\\x${cluster.name}" }\n'],
    ['an escape that spells a placeholder', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata: { a: "\\ue0000\\ue001", b: "${cluster.name}" }\n# ${cluster.name}\n'],
    ['binary data', 'apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata: { a: "${cluster.name}", b: !!binary aGk= }\n'],
    ['malformed YAML', 'apiVersion: v1\nkind: X\nmetadata: { name: s\ndata: { a: "${cluster.name}" }\n'],
  ])('has no template when a reference is in %s', (_what, text) => {
    expect(templateOf(text)).toBeUndefined();
  });

  it.each([['a double quote', 'a"b'], ['a single quote', "a'b"], ['a backslash', 'a\\nb'], ['a line break', 'a\nb'], ['a non-ASCII character', 'zürich'], ['a tab', 'a\tb']])(
    'refuses a value with %s (parsed as text instead)',
    (_what, value) => {
      const template = templateOf('apiVersion: v1\nkind: X\nmetadata: { name: s }\ndata: { a: "${cluster.name}" }\n')!;
      expect(fillQuotedTemplate(template, [value])).toBeUndefined();
    },
  );
});
