import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from './yaml-documents.js';

describe('parseYamlDocuments', () => {
  it('reads multi-document files with comments and a trailing separator, with start lines', () => {
    const text = '# header\napiVersion: v1\nkind: A\n---\n# only a comment\n---\nkind: B\nlist: [1, 2]\n---\n';
    const docs = parseYamlDocuments(text, 'x.yaml');
    expect(docs.map((d) => d.value)).toEqual([{ apiVersion: 'v1', kind: 'A' }, { kind: 'B', list: [1, 2] }]);
    expect(docs.map((d) => d.line)).toEqual([2, 7]);
  });

  it.each([
    ['malformed YAML', 'a: 1\nb: [1, 2\nc: 3\n', /^apps\/x\.yaml:\d+: malformed YAML/],
    ['a duplicate key', 'a: 1\nb: 2\na: 3\n', /^apps\/x\.yaml:3: malformed YAML: Map keys must be unique/],
    ['a tab-indented mapping', 'a:\n\tb: 1\n', /^apps\/x\.yaml:2: malformed YAML/],
  ])('refuses %s, naming file and line', (_what, text, message) => {
    expect(() => parseYamlDocuments(text, 'apps/x.yaml')).toThrow(message);
  });

  it('refuses an alias bomb before expanding it', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    expect(() => parseYamlDocuments(lines.join('\n'), 'bomb.yaml')).toThrow(/^bomb\.yaml:1: YAML document refused: .*alias/i);
  });

  it('allows a few ordinary anchors and aliases', () => {
    const docs = parseYamlDocuments('base: &b {x: 1}\nuse: *b\n', 'a.yaml');
    expect(docs[0]?.value).toEqual({ base: { x: 1 }, use: { x: 1 } });
  });
});
