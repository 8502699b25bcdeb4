import { parseYamlDocuments, splitYamlDocuments, type SourceFile } from '@driftless/core';

/** The `helm.sh/hook` values that mark a Helm test: never part of what a cluster runs. */
const TEST_HOOKS = new Set(['test', 'test-success', 'test-failure']);

/**
 * Cuts `helm template`'s output into one SourceFile per template, by its
 * `# Source: <chart name>/<path>` comments: `path` is the template's repository
 * path (`<dir>/<path>`; subcharts `<dir>/charts/<sub>/templates/…`), `literal`
 * (charts carry `${…}` of their own). Consecutive documents of one template
 * stay one file; a document without a Source comment goes to
 * `<dir> (helm template)`. Documents that are Helm test hooks are dropped,
 * every other hook is kept as it is.
 */
export function splitHelmOutput(stdout: string, dir: string, chartName: string): SourceFile[] {
  const out: { path: string; docs: string[] }[] = [];
  for (const chunk of splitYamlDocuments(stdout)) {
    const source = /^# Source: (.+)$/m.exec(chunk.text)?.[1]?.trim();
    const path = source === undefined ? `${dir} (helm template)` : repoPath(source, dir, chartName);
    if (isTestHook(chunk.text, path)) continue;
    const last = out[out.length - 1];
    if (last?.path === path) last.docs.push(chunk.text);
    else out.push({ path, docs: [chunk.text] });
  }
  return out.map((f) => ({ path: f.path, text: `${f.docs.join('\n---\n')}\n`, literal: true }));
}

/** `webapp/templates/cm.yaml` (helm names the chart by its Chart.yaml name) → `apps/web/templates/cm.yaml`. */
function repoPath(source: string, dir: string, chartName: string): string {
  return source.startsWith(`${chartName}/`) ? `${dir}/${source.slice(chartName.length + 1)}` : `${dir}/${source}`;
}

function isTestHook(text: string, path: string): boolean {
  if (!text.includes('helm.sh/hook')) return false;
  const value = parseYamlDocuments(text, path)[0]?.value as { metadata?: { annotations?: Record<string, unknown> } } | undefined;
  const hook = value?.metadata?.annotations?.['helm.sh/hook'];
  return typeof hook === 'string' && hook.split(',').some((h) => TEST_HOOKS.has(h.trim()));
}

/**
 * Maps what helm says about a chart to repository paths: the chart name it
 * prints (`webapp/templates/cm.yaml:6:8`) and the temporary directories
 * become the chart's repository directory; helm's `Error: ` prefix, its
 * `--debug` hint and its `level=…` log lines go.
 */
export function mapHelmMessage(stderr: string, dir: string, chartName: string, chartRoot: string, root: string): string {
  return stderr
    .split('\n')
    // helm v4 also logs through slog (`level=ERROR msg=…`), repeating the error it then prints.
    .filter((l) => !/^Use --debug flag/.test(l) && !/^level=(DEBUG|INFO|WARN|ERROR) /.test(l))
    .join('\n')
    .trim()
    .replace(/^Error: /, '')
    .split(`${chartRoot}/`)
    .join(`${dir}/`)
    .split(chartRoot)
    .join(dir)
    .split(`${root}/`)
    .join('')
    .replace(new RegExp(`(^|[\\s("'\`])${escapeRegExp(chartName)}/`, 'g'), `$1${dir}/`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
