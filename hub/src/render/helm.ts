import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileError, decodeUtf8, parseYamlDocuments } from '@driftless/core';
import { materializeChart } from './helm-chart-files.js';
import { mapHelmMessage, splitHelmOutput } from './helm-output.js';
import { HELM_KUBE_VERSION, type HelmRunner } from './helm-runner.js';
import { checkValuesSchemas } from './helm-schema.js';
import { runSandboxed, toolIdentity } from './sandboxed-tool.js';

/** Options of {@link helmRunner}. */
export interface HelmOptions {
  /** The helm binary. */
  readonly binary: string;
  /** Kill a run after this long, ms. Default 60 000. */
  readonly timeoutMs?: number;
  /** Largest repository file a chart may hold, bytes. */
  readonly maxFileBytes: number;
  /** Most files in a chart, subcharts included. Default 10 000. */
  readonly maxFiles?: number;
  /** Most bytes in a chart's files together. Default 64 MiB. */
  readonly maxTotalBytes?: number;
  /**
   * Most memory (address space) one helm run may use, bytes. Default 3 GiB:
   * Go reserves about 1 GiB of address space before it allocates, and helm
   * fails to start now and then under less than 2 GiB.
   */
  readonly maxMemoryBytes?: number;
}

/**
 * A HelmRunner that materializes only the chart directory's files into a
 * private temporary directory, writes each values document beside it (JSON,
 * which is YAML) and runs `helm template <release> <chart> --namespace <ns>
 * --kube-version HELM_KUBE_VERSION --skip-tests --include-crds -f values-0.json
 * …` there: HOME and every HELM_*_HOME inside that directory (empty: no
 * repositories, no plugins), KUBECONFIG at a missing file (no cluster;
 * `lookup` returns empty), proxies at a closed loopback port, a timeout and
 * a memory cap. Values schemas are not validated (`--skip-schema-validation`:
 * helm would load what their references name from the hub's disk and
 * loopback), and a chart whose schema refers outside itself is refused.
 * Errors name the chart and helm's message with the chart name and temporary
 * paths mapped back to repository paths.
 */
export function helmRunner(opts: HelmOptions): HelmRunner {
  const run: HelmRunner = async (reader, req) => {
    const root = await mkdtemp(join(tmpdir(), 'driftless-helm-'));
    try {
      const chart = join(root, 'chart');
      await materializeChart(reader, req.dir, chart, {
        maxFileBytes: opts.maxFileBytes,
        maxFiles: opts.maxFiles ?? 10_000,
        maxTotalBytes: opts.maxTotalBytes ?? 64 * 1024 * 1024,
      });
      // Read from the copy: the repository's Chart.yaml may be a symlink out of the chart, which materializing refuses.
      const chartName = await chartNameOf(chart, req.dir);
      await checkValuesSchemas(chart, req.dir);
      const valueFiles: string[] = [];
      for (const [i, values] of req.values.entries()) {
        const file = join(root, `values-${i}.json`);
        await writeFile(file, JSON.stringify(values));
        valueFiles.push('-f', file);
      }
      const stdout = await runSandboxed({
        tool: 'helm',
        operation: 'helm template',
        binary: opts.binary,
        args: [
          'template',
          req.release,
          chart,
          '--namespace',
          req.namespace,
          '--kube-version',
          HELM_KUBE_VERSION,
          '--skip-tests',
          '--include-crds',
          '--skip-schema-validation',
          ...valueFiles,
        ],
        root,
        env: {
          HELM_CACHE_HOME: join(root, 'helm', 'cache'),
          HELM_CONFIG_HOME: join(root, 'helm', 'config'),
          HELM_DATA_HOME: join(root, 'helm', 'data'),
          HELM_PLUGINS: join(root, 'helm', 'plugins'),
          KUBECONFIG: join(root, 'no-kubeconfig'),
        },
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        maxMemoryBytes: opts.maxMemoryBytes ?? 3 * 1024 * 1024 * 1024,
        subject: req.dir,
        mapMessage: (stderr) => mapHelmMessage(stderr, req.dir, chartName, chart, root),
      });
      return splitHelmOutput(stdout, req.dir, chartName);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };
  // Not `--short`: a `go install` build says only `v4.3` there; the full line adds the Go and Kubernetes client versions.
  run.identity = toolIdentity(opts.binary, ['version']);
  return run;
}

/** The chart's `name` from the Chart.yaml of its copy at `chart`: what helm prints in `# Source:` comments and errors. */
async function chartNameOf(chart: string, dir: string): Promise<string> {
  const file = `${dir}/Chart.yaml`;
  const bytes = await readFile(join(chart, 'Chart.yaml')).catch(() => {
    throw compileError(file, undefined, 'not found in the chart');
  });
  const doc = parseYamlDocuments(decodeUtf8(bytes, file), file)[0];
  const name = (doc?.value as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || name === '') throw compileError(file, doc?.lineAt(['name']), 'a chart needs a name');
  return name;
}
