import { posix } from 'node:path';
import { compileError, decodeUtf8, parseYamlDocuments, type RepoReader } from '@driftless/core';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** The repository files one kustomize build needs, found by following every kustomization's references. */
export interface KustomizeInputs {
  /** Every file to materialize: kustomization files and the files they reference. */
  readonly files: ReadonlySet<string>;
}

const FILE_LIST_FIELDS = ['resources', 'bases', 'components', 'crds', 'generators', 'transformers', 'validators', 'configurations'] as const;

/**
 * Walks the kustomization in `dir` and everything it references, refusing what
 * would leave the repository or need the network: absolute paths, `..` beyond
 * the root, URLs and git remotes, and Helm chart inflation. Returns the files a
 * build needs, so only those are materialized. Errors name the kustomization
 * file. References in fields not understood here are simply not materialized,
 * so kustomize fails on them: closed, never open.
 */
export async function kustomizeInputs(reader: RepoReader, dir: string, maxFileBytes: number): Promise<KustomizeInputs> {
  const files = new Set<string>();
  const visited = new Set<string>();
  const visitDir = async (d: string, from: string): Promise<void> => {
    if (visited.has(d)) return;
    visited.add(d);
    const file = await kustomizationIn(reader, d);
    if (!file) throw compileError(from, undefined, `${d || '.'} is referenced as a kustomization but holds no kustomization.yaml`);
    files.add(file);
    const text = decodeUtf8(await reader.readFile(file, maxFileBytes), file);
    const doc = parseYamlDocuments(text, file)[0];
    const k = (doc?.value ?? {}) as Record<string, unknown>;
    if (k['helmCharts'] !== undefined || k['helmChartInflationGenerator'] !== undefined || k['helmGlobals'] !== undefined) {
      throw compileError(file, doc?.lineAt(['helmCharts']), 'Helm chart inflation needs the network and is not supported; render the chart into the repository');
    }
    const refs: { path: string; field: string }[] = [];
    for (const field of FILE_LIST_FIELDS) for (const p of strings(k[field])) refs.push({ path: p, field });
    for (const p of strings(k['patchesStrategicMerge'])) if (!p.includes('\n') && !p.includes(':')) refs.push({ path: p, field: 'patchesStrategicMerge' });
    for (const field of ['patches', 'patchesJson6902', 'replacements'] as const) {
      for (const item of list(k[field])) {
        const p = (item as { path?: unknown }).path;
        if (typeof p === 'string') refs.push({ path: p, field });
      }
    }
    for (const field of ['configMapGenerator', 'secretGenerator'] as const) {
      for (const item of list(k[field])) {
        const g = item as { files?: unknown; envs?: unknown; env?: unknown };
        for (const f of strings(g.files)) refs.push({ path: f.includes('=') ? f.slice(f.indexOf('=') + 1) : f, field });
        for (const f of [...strings(g.envs), ...strings(g.env === undefined ? [] : [g.env])]) refs.push({ path: f, field });
      }
    }
    const openapi = (k['openapi'] as { path?: unknown } | undefined)?.path;
    if (typeof openapi === 'string') refs.push({ path: openapi, field: 'openapi' });

    for (const ref of refs) {
      const line = doc?.lineAt([ref.field]);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref.path) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(ref.path) || ref.path.startsWith('git@')) {
        throw compileError(file, line, `${ref.field}: ${ref.path} is a remote reference; the hub builds without network access, so vendor it into the repository`);
      }
      const target = posix.normalize(posix.join(d, ref.path));
      if (posix.isAbsolute(ref.path) || target === '..' || target.startsWith('../')) {
        throw compileError(file, line, `${ref.field}: ${ref.path} leaves the repository`);
      }
      const entry = await reader.stat(target === '.' ? '' : target);
      if (!entry) throw compileError(file, line, `${ref.field}: ${ref.path} does not exist in the repository`);
      if (entry.type === 'dir') await visitDir(entry.path, file);
      else files.add(entry.path);
    }
  };
  await visitDir(dir, dir);
  return { files };
}

/** The kustomization file directly in `dir`, or undefined. */
export async function kustomizationIn(reader: RepoReader, dir: string): Promise<string | undefined> {
  const names = new Set((await reader.list(dir)).filter((e) => e.type === 'file').map((e) => posix.basename(e.path)));
  const name = KUSTOMIZATION_FILES.find((n) => names.has(n));
  return name === undefined ? undefined : dir === '' ? name : `${dir}/${name}`;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : [];
}
