import { Schema, type DocumentOptions, type ParseOptions, type SchemaOptions, type Tags } from 'yaml';

/**
 * Tags of the YAML 1.1 schema that Kubernetes' reader (sigs.k8s.io/yaml, a
 * go-yaml v2 fork) does not resolve when it converts YAML to JSON:
 * timestamps stay strings, and so do sexagesimal numbers (`190:20:30`).
 */
const NOT_RESOLVED_BY_KUBERNETES = new Set(['timestamp', 'intTime', 'floatTime']);

/**
 * `0o400`: Go's strconv.ParseInt with base 0, which go-yaml v2 calls on a
 * plain scalar, reads it as octal, though YAML 1.1 does not.
 */
const goOctal = {
  identify: (value: unknown): boolean => Number.isInteger(value),
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^[-+]?0o[0-7_]+$/,
  resolve: (text: string): number => {
    const n = parseInt(text.replace(/[-+]|0o|_/g, ''), 8);
    return text.startsWith('-') ? -n : n;
  },
} as const;

function kubernetesTags(tags: Tags): Tags {
  const kept = tags.filter((t) => !(typeof t === 'object' && NOT_RESOLVED_BY_KUBERNETES.has(tagName(t))));
  return [...kept, goOctal];
}

function tagName(tag: Tags[number]): string {
  if (typeof tag !== 'object') return '';
  if (tag.tag === 'tag:yaml.org,2002:timestamp') return 'timestamp';
  if ((tag.tag === 'tag:yaml.org,2002:int' || tag.tag === 'tag:yaml.org,2002:float') && tag.format === 'TIME') return tag.tag.endsWith('int') ? 'intTime' : 'floatTime';
  return '';
}

/**
 * Parse options that read YAML the way the kube-apiserver and kubectl do:
 * YAML 1.1 (`0400` is octal 256; `yes`/`no`/`on`/`off`/`y`/`n` are
 * booleans, as keys too; `<<` merge keys; `1_000`, `0b101`, `0x1F`), with
 * timestamps and sexagesimals left as strings and `0o` octal read as Go does.
 * The integration test kube-yaml.int.test.ts compares it with the real
 * kube-apiserver. Used for manifests and for our own files (fleet.yaml,
 * clusters/*.yaml) alike, so that one file never means two things.
 */
export const KUBERNETES_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  // Built once: the parser would otherwise build the schema again for every document.
  schema: new Schema({ schema: 'yaml-1.1', resolveKnownTags: false, merge: true, customTags: kubernetesTags }),
};
