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

  it.each([
    ['an octal integer is octal (YAML 1.1, as Kubernetes reads it)', 'm: 0400', { m: 256 }],
    ['a quoted octal stays a string', 'm: "0400"', { m: '0400' }],
    ['YAML 1.1 booleans', 'a: yes\nb: off\nc: y', { a: true, b: false, c: true }],
    ['merge keys', 'b: &b {x: 1, z: 2}\nd: {<<: *b, z: 3}', { b: { x: 1, z: 2 }, d: { x: 1, z: 3 } }],
    ['Go-style 0o octal', 'm: 0o755', { m: 493 }],
    ['timestamps and sexagesimals stay strings', 't: 2001-12-14\ns: 1:30', { t: '2001-12-14', s: '1:30' }],
  ])('reads %s', (_what, text, value) => {
    expect(parseYamlDocuments(text, 'a.yaml')[0]?.value).toEqual(value);
  });

  it('refuses two keys that are the same boolean in YAML 1.1', () => {
    expect(() => parseYamlDocuments('on: 1\nyes: 2\n', 'apps/x.yaml')).toThrow(/^apps\/x\.yaml:2: malformed YAML: Map keys must be unique/);
  });
});
