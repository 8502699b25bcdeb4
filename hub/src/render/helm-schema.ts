import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { compileError } from '@driftless/core';

/**
 * The `$schema` URLs helm's JSON-schema compiler knows without loading
 * anything (the drafts it has built in); any other would be fetched.
 */
const BUILT_IN_DRAFTS = new Set(
  ['draft-04', 'draft-06', 'draft-07'].flatMap((d) => [`http://json-schema.org/${d}/schema`, `https://json-schema.org/${d}/schema`]).concat(
    ['2019-09', '2020-12'].flatMap((d) => [`http://json-schema.org/draft/${d}/schema`, `https://json-schema.org/draft/${d}/schema`]),
  ),
);

/** Keywords whose value is a URI helm would load: only a `#` fragment of the same file stays inside it. */
const REFERENCES = new Set(['$ref', '$dynamicRef', '$recursiveRef', '$id']);

/**
 * Refuses a chart copy (at `chartRoot`, repository directory `dir`) any of
 * whose directory `values.schema.json` files (subchart directories included)
 * refers to anything but itself: a `$ref`, `$dynamicRef`, `$recursiveRef` or
 * `$id` not starting with `#`, or a `$schema` other than a built-in draft.
 * helm resolves such URIs against the hub's file system and loopback (its
 * proxy settings never cover loopback); the hub also runs helm with
 * `--skip-schema-validation`, so this keeps a chart from holding a schema
 * that only works by reaching outside it. Schemas inside `charts/*.tgz`
 * archives are never read.
 */
export async function checkValuesSchemas(chartRoot: string, dir: string): Promise<void> {
  const entries = await readdir(chartRoot, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile() || e.name !== 'values.schema.json') continue;
    const file = join(e.parentPath, e.name);
    const path = `${dir}/${relative(chartRoot, file)}`;
    let schema: unknown;
    try {
      schema = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw compileError(path, undefined, `not JSON: ${(err as Error).message}`);
    }
    const bad = outsideReference(schema, '');
    if (bad) throw compileError(path, undefined, `${bad}: a chart's schema may hold only "#" references to itself (and a built-in draft $schema); the hub does not load other files or URLs`);
  }
}

/** The first keyword (`/properties/a/$ref http://…`) that points outside its own schema, depth first. */
function outsideReference(node: unknown, at: string): string | undefined {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) {
      const bad = outsideReference(item, `${at}/${i}`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  for (const [key, value] of Object.entries(node)) {
    const where = `${at}/${key}`;
    if (REFERENCES.has(key) && typeof value === 'string' && !value.startsWith('#')) return `${where} ${value}`;
    if (key === '$schema' && typeof value === 'string' && !BUILT_IN_DRAFTS.has(value.replace(/#$/, ''))) return `${where} ${value}`;
    const bad = outsideReference(value, where);
    if (bad) return bad;
  }
  return undefined;
}
