import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { compileError, type RepoReader } from '@driftless/core';

/** How much of a chart `helm template` may be given. */
export interface ChartLimits {
  /** Largest file, bytes. */
  readonly maxFileBytes: number;
  /** Most files in the chart, subcharts included. */
  readonly maxFiles: number;
  /** Most bytes in all files of the chart together. */
  readonly maxTotalBytes: number;
}

/**
 * Writes every file of the chart directory `dir` (recursively, vendored
 * subcharts under `charts/` included) into `target`, and nothing else of the
 * repository: helm sees only the chart. A symlink is followed only when its
 * target stays inside the chart; one that leaves it, a submodule, or a chart
 * over the limits is a compile error naming the path.
 */
export async function materializeChart(reader: RepoReader, dir: string, target: string, limits: ChartLimits): Promise<void> {
  let files = 0;
  let bytes = 0;
  const inChart = (path: string): boolean => path === dir || path.startsWith(`${dir}/`);
  const copyDir = async (from: string, to: string, depth: number): Promise<void> => {
    // A symlink to a directory above itself (inside the chart) would otherwise recurse until the file limit.
    if (depth > 64) throw compileError(from, undefined, `the chart ${dir} nests directories more than 64 deep (a symlink loop?)`);
    for (const e of await reader.list(from)) {
      const name = e.path.slice(e.path.lastIndexOf('/') + 1);
      const resolved = e.type === 'symlink' ? await reader.stat(e.path) : e;
      if (!resolved) throw compileError(e.path, undefined, `the symlink in chart ${dir} points at nothing`);
      if (e.type === 'symlink' && !inChart(resolved.path)) {
        throw compileError(e.path, undefined, `symlink to ${resolved.path} points outside the chart ${dir}; helm sees only the chart's own files`);
      }
      if (resolved.type === 'submodule') throw compileError(e.path, undefined, `a submodule in chart ${dir} cannot be rendered; vendor it into the repository`);
      if (resolved.type === 'dir') {
        await copyDir(resolved.path, join(to, name), depth + 1);
        continue;
      }
      if (++files > limits.maxFiles) throw compileError(dir, undefined, `the chart has more than ${limits.maxFiles} files`);
      const content = await reader.readFile(resolved.path, limits.maxFileBytes);
      bytes += content.byteLength;
      if (bytes > limits.maxTotalBytes) throw compileError(dir, undefined, `the chart's files are larger than ${limits.maxTotalBytes} bytes together`);
      await mkdir(dirname(join(to, name)), { recursive: true });
      await writeFile(join(to, name), content);
    }
  };
  await mkdir(target, { recursive: true });
  await copyDir(dir, target, 0);
}
