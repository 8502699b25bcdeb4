import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import type { BenchMode, FleetBenchReport } from './result.js';
import { breachMarkdown, type BreachBenchReport } from './breach-result.js';
import { killSwitchMarkdown, type KillSwitchBenchReport } from './kill-switch-result.js';
import { previewsMarkdown, type PreviewsBenchReport } from './previews-result.js';
import { rolloutMarkdown, type RolloutBenchReport } from './rollout-result.js';

/**
 * Writes `<dir>/<mode>.json` (the report) and redraws `<dir>/chart.svg` from
 * every mode's report present in `dir`, so running bundle mode and git mode
 * with the same `--out` gives the side-by-side chart. Returns the paths written.
 */
export async function writeFleetReport(dir: string, report: FleetBenchReport): Promise<{ json: string; chart: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, `${report.mode}.json`);
  await atomicWrite(json, `${JSON.stringify(report, null, 2)}\n`);
  const other: BenchMode = report.mode === 'bundle' ? 'git' : 'bundle';
  const otherReport = await readReport(join(dir, `${other}.json`));
  const chart = join(dir, 'chart.svg');
  await atomicWrite(chart, renderChart({ [report.mode]: report, ...(otherReport ? { [other]: otherReport } : {}) }));
  return { json, chart };
}

/** Writes the rollout bench's `<dir>/rollout.json` (the report, every step included) and `<dir>/rollout.md` (its summary). */
export function writeRolloutReport(dir: string, report: RolloutBenchReport): Promise<{ json: string; markdown: string }> {
  return writeWithSummary(dir, 'rollout', report, rolloutMarkdown(report));
}

/** Writes the metric-gate scenario's `<dir>/breach.json` (the report, every step included) and `<dir>/breach.md` (its summary). */
export function writeBreachReport(dir: string, report: BreachBenchReport): Promise<{ json: string; markdown: string }> {
  return writeWithSummary(dir, 'breach', report, breachMarkdown(report));
}

/** Writes the kill-switch scenario's `<dir>/kill-switch.json` (the report) and `<dir>/kill-switch.md` (its summary). */
export function writeKillSwitchReport(dir: string, report: KillSwitchBenchReport): Promise<{ json: string; markdown: string }> {
  return writeWithSummary(dir, 'kill-switch', report, killSwitchMarkdown(report));
}

/** Writes the previews scenario's `<dir>/previews.json` (the report) and `<dir>/previews.md` (its summary). */
export function writePreviewsReport(dir: string, report: PreviewsBenchReport): Promise<{ json: string; markdown: string }> {
  return writeWithSummary(dir, 'previews', report, previewsMarkdown(report));
}

/** Writes `<dir>/<name>.json` (the report) and `<dir>/<name>.md` (its summary). */
async function writeWithSummary(dir: string, name: string, report: unknown, summary: string): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const markdown = join(dir, `${name}.md`);
  await atomicWrite(json, `${JSON.stringify(report, null, 2)}\n`);
  await atomicWrite(markdown, summary);
  return { json, markdown };
}

async function readReport(path: string): Promise<FleetBenchReport | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as FleetBenchReport;
  } catch (err) {
    throw new Error(`${path} read failed: not a bench report (${(err as Error).message})`);
  }
}

async function atomicWrite(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}
