import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess } from './managed-process.js';
import { probe, waitUntilReady } from './readiness.js';
import type { Reaper } from './reaper.js';

/** How to reach the local Prometheus, and the file_sd file that decides what it scrapes. */
export interface PrometheusInfo {
  /** Base URL of the HTTP API (`${url}/api/v1/query`). */
  readonly url: string;
  /**
   * A `file_sd` JSON file; Prometheus scrapes the targets written to it (see
   * {@link writeScrapeTargets}), and those of every `*.json` file in the
   * `targets.d` directory beside it (see {@link registerScrapeTarget}).
   */
  readonly targetsFile: string;
}

/** One group of a `file_sd` file: `host:port` targets and the labels added to their series. */
export interface ScrapeTargetGroup {
  readonly targets: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

/** The directory beside `targetsFile` whose `*.json` files Prometheus also reads: one file per registered target. */
function targetsDir(targetsFile: string): string {
  return join(dirname(targetsFile), 'targets.d');
}

/**
 * The configuration: every target of `targetsFile` and of `targets.d/*.json`
 * scraped every second, and the files re-read every second as well as on
 * change, so a new target shows up in queries within a few seconds (tests and
 * `dev up` gate on seconds, not minutes).
 */
function prometheusConfig(targetsFile: string): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: driftless',
    '    file_sd_configs:',
    `      - files: [${JSON.stringify(targetsFile)}, ${JSON.stringify(join(targetsDir(targetsFile), '*.json'))}]`,
    '        refresh_interval: 1s',
    '',
  ].join('\n');
}

/**
 * Replaces the targets Prometheus scrapes. Written to a temporary file and renamed
 * into place, so Prometheus (which watches the directory) never reads half a file.
 */
export async function writeScrapeTargets(targetsFile: string, groups: readonly ScrapeTargetGroup[]): Promise<void> {
  const tmp = `${targetsFile}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(groups)}\n`);
  await rename(tmp, targetsFile);
}

/**
 * Adds one scrape target (`host:port`, its series labelled with `labels`) in a
 * file of its own under `targets.d`, so tests running in parallel never
 * overwrite each other's targets. `name` names the file (a unique name per
 * test). Resolves with a function that removes the target again.
 */
export async function registerScrapeTarget(
  prometheus: PrometheusInfo,
  name: string,
  target: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<() => Promise<void>> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`scrape target ${name} register failed: the name must be a file name (letters, digits, . _ -)`);
  const dir = targetsDir(prometheus.targetsFile);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  await writeScrapeTargets(file, [{ targets: [target], labels }]);
  return () => rm(file, { force: true });
}

/**
 * Starts Prometheus on a free loopback port with its TSDB under `dir` (one hour of
 * retention: test data is throwaway) and an empty targets file, and resolves once
 * `/-/ready` answers 200.
 */
export async function startPrometheus(opts: {
  binary: string;
  dir: string;
  logDir: string;
  reaper: Reaper;
}): Promise<{ info: PrometheusInfo; process: ManagedProcess }> {
  const port = await freePort();
  const home = join(opts.dir, 'prometheus');
  await mkdir(join(home, 'data'), { recursive: true });
  const targetsFile = join(home, 'targets.json');
  const configFile = join(home, 'prometheus.yml');
  await writeScrapeTargets(targetsFile, []);
  await mkdir(targetsDir(targetsFile), { recursive: true });
  await writeFile(configFile, prometheusConfig(targetsFile));
  const proc = startProcess({
    name: 'prometheus',
    command: opts.binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(home, 'data')}`,
      '--storage.tsdb.retention.time=1h',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    logFile: join(opts.logDir, 'prometheus.log'),
    reaper: opts.reaper,
    cwd: home,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(proc, async () => (await probe(`${url}/-/ready`)) === 200, 'ready (/-/ready)');
  return { info: { url, targetsFile }, process: proc };
}
