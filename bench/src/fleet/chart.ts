/**
 * The fleet benchmark's chart: convergence CDF and request rate, bundle mode
 * against git mode, as one standalone SVG document. Pure: the same reports give
 * byte-identical text; the caller writes the file.
 */
import { rateAxis, timeAxis, type Axis } from './chart-axes.js';
import { dashAttr, fmt, LEGEND_ROW, LEGEND_TOP, legendSvg, seconds, stepPath, text, textWidth, type LegendEntry, type Stroke } from './chart-svg.js';
import type { BenchMode, FleetBenchReport } from './result.js';

/** The reports to draw, by mode; a mode left out is drawn as "not run". */
export interface ChartReports {
  readonly bundle?: FleetBenchReport;
  readonly git?: FleetBenchReport;
}

interface Frame { readonly left: number; readonly top: number; readonly width: number; readonly height: number }
interface Mapper { readonly x: (v: number) => number; readonly y: (v: number) => number }
interface PanelSpec {
  readonly name: string;
  readonly title: string;
  readonly legend: readonly LegendEntry[];
  readonly x: Axis;
  readonly y: Axis;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly plot: (m: Mapper, f: Frame) => string;
}

const WIDTH = 1000;
const HEIGHT = 420;
const PANEL_WIDTH = WIDTH / 2;
const PLOT_BOTTOM = 370;
const MAX_CDF_POINTS = 500;
const MAX_RATE_POINTS = 600;
const MODES: readonly BenchMode[] = ['bundle', 'git'];
// Okabe-Ito colours (distinct for colour-blind readers), with dashes as a second cue.
const MODE_STROKE: Readonly<Record<BenchMode, Stroke>> = {
  bundle: { colour: '#0072B2', dash: '' },
  git: { colour: '#D55E00', dash: '7 3' },
};
const STORE_STROKE: Stroke = { colour: '#009E73', dash: '2 2' };
const BOUND_STROKE: Stroke = { colour: '#555', dash: '2 3' };

/**
 * Renders the fleet benchmark's chart (about 1000x420, UTF-8 SVG text, no
 * scripts or external resources): left, the CDF of per-cluster convergence
 * after a commit with each mode's polling bound and p99; right, git-server and
 * object-store requests per second over the run, on a log axis when the
 * non-zero rates span more than 100x. A mode missing from `reports` is named
 * "not run" in the legends. Deterministic: coordinates are rounded to 0.1.
 */
export function renderChart(reports: ChartReports): string {
  const panels = [cdfPanel(reports), ratePanel(reports)];
  const legends = panels.map((p, i) => legendSvg(p.legend, i * PANEL_WIDTH + 16, PANEL_WIDTH - 32));
  const rows = Math.max(...legends.map((l) => l.rows));
  const top = LEGEND_TOP + (rows - 1) * LEGEND_ROW + 26;
  const [params, machine] = subtitles(reports);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="system-ui, sans-serif" font-size="11" fill="#222">`,
    '<title>Fleet benchmark: convergence after a commit and request rate, bundle mode and git mode</title>',
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    text(WIDTH / 2, 18, params, 'text-anchor="middle" font-size="12" fill="#333"'),
    text(WIDTH / 2, 33, machine, 'text-anchor="middle" fill="#777"'),
    ...panels.map((p, i) => {
      const left = i * PANEL_WIDTH + 62;
      const frame: Frame = { left, top, width: PANEL_WIDTH - 62 - 22, height: PLOT_BOTTOM - top };
      return panelSvg(p, frame, i * PANEL_WIDTH + 16, legends[i]?.svg ?? '');
    }),
    '</svg>',
    '',
  ].join('\n');
}

function panelSvg(p: PanelSpec, f: Frame, titleX: number, legend: string): string {
  const m: Mapper = {
    x: (v) => f.left + p.x.pos(v) * f.width,
    y: (v) => f.top + f.height - p.y.pos(v) * f.height,
  };
  const yTicks = p.y.ticks.map((t) => {
    const y = fmt(m.y(t.value));
    return `<line x1="${fmt(f.left)}" x2="${fmt(f.left + f.width)}" y1="${y}" y2="${y}" stroke="#e6e6e6"/>` +
      text(f.left - 6, m.y(t.value) + 4, t.label, 'text-anchor="end"');
  });
  const xTicks = p.x.ticks.map((t) => {
    const x = fmt(m.x(t.value));
    return `<line x1="${x}" x2="${x}" y1="${fmt(f.top + f.height)}" y2="${fmt(f.top + f.height + 4)}" stroke="#333"/>` +
      text(m.x(t.value), f.top + f.height + 16, t.label, 'text-anchor="middle"');
  });
  const bottom = fmt(f.top + f.height);
  return [
    `<g data-panel="${p.name}">`,
    text(titleX, 58, p.title, 'font-size="14" font-weight="600"'),
    legend,
    `<g data-axis="${p.name}-y">${yTicks.join('')}</g>`,
    `<g data-axis="${p.name}-x">${xTicks.join('')}</g>`,
    `<path d="M${fmt(f.left)},${fmt(f.top)}V${bottom}H${fmt(f.left + f.width)}" fill="none" stroke="#333"/>`,
    text(f.left + f.width / 2, f.top + f.height + 34, p.xTitle, 'text-anchor="middle" fill="#444"'),
    text(0, 0, p.yTitle, `text-anchor="middle" fill="#444" transform="translate(${fmt(f.left - 44)},${fmt(f.top + f.height / 2)}) rotate(-90)"`),
    p.plot(m, f),
    '</g>',
  ].join('\n');
}

// --- Convergence CDF -------------------------------------------------------

function cdfPanel(reports: ChartReports): PanelSpec {
  const present = presentModes(reports);
  const maxMs = present.reduce((a, [, r]) => Math.max(a, r.convergenceSamplesMs.at(-1) ?? 0, r.boundMs), 1000);
  const legend: LegendEntry[] = present.map(([mode, r]) => ({ label: `${mode} mode · p99 ${seconds(r.convergenceMs.p99)}`, stroke: MODE_STROKE[mode] }));
  if (present.length > 0) legend.push({ label: 'polling bound', stroke: BOUND_STROKE, vertical: true });
  return {
    name: 'cdf',
    title: 'Convergence after a commit (CDF)',
    legend: [...legend, ...notRun(reports)],
    x: timeAxis(maxMs / 1000),
    y: { ticks: [0, 25, 50, 75, 100].map((p) => ({ value: p / 100, label: `${p}%` })), pos: (v) => v },
    xTitle: 'time from publish (bundle) / push (git) to the cluster applying it',
    yTitle: 'clusters converged',
    plot: (m, f) => [...present.map(([mode, r]) => cdfSeries(mode, r, m)), p99Labels(present, m, f)].join('\n'),
  };
}

function cdfSeries(mode: BenchMode, r: FleetBenchReport, m: Mapper): string {
  const s = MODE_STROKE[mode];
  const bx = fmt(m.x(r.boundMs / 1000));
  const bound = `<line data-marker="bound-${mode}" x1="${bx}" x2="${bx}" y1="${fmt(m.y(1))}" y2="${fmt(m.y(0))}" stroke="${s.colour}" stroke-width="1.2" stroke-dasharray="${BOUND_STROKE.dash}"/>`;
  const points = quantilePoints(r.convergenceSamplesMs, MAX_CDF_POINTS);
  if (points.length === 0) return bound;
  const d = stepPath(points.map((p) => [m.x(p.ms / 1000), m.y(p.fraction)]), m.y(0));
  const dot = `<circle cx="${fmt(m.x(r.convergenceMs.p99 / 1000))}" cy="${fmt(m.y(0.99))}" r="3" fill="${s.colour}"/>`;
  return `${bound}\n<path data-series="cdf-${mode}" d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"${dashAttr(s)}/>\n${dot}`;
}

/** The p99 labels in a row just above the plot, each over its dot but pushed apart so none overlap. */
function p99Labels(present: readonly [BenchMode, FleetBenchReport][], m: Mapper, f: Frame): string {
  const labels = present
    .map(([mode, r]) => ({ mode, x: m.x(r.convergenceMs.p99 / 1000), text: `p99 ${seconds(r.convergenceMs.p99)}` }))
    .sort((a, b) => a.x - b.x);
  const half = labels.map((l) => textWidth(l.text) / 2);
  const xs = labels.map((l) => l.x);
  const gap = (i: number): number => (half[i - 1] ?? 0) + (half[i] ?? 0) + 8;
  for (let i = 0; i < xs.length; i++) xs[i] = Math.max(xs[i] ?? 0, i === 0 ? f.left + (half[0] ?? 0) : (xs[i - 1] ?? 0) + gap(i));
  for (let i = xs.length - 1; i >= 0; i--) {
    xs[i] = Math.min(xs[i] ?? 0, i === xs.length - 1 ? f.left + f.width - (half[i] ?? 0) : (xs[i + 1] ?? 0) - gap(i + 1));
  }
  return labels.map((l, i) => text(xs[i] ?? 0, f.top - 6, l.text, `data-label="p99-${l.mode}" text-anchor="middle" fill="${MODE_STROKE[l.mode].colour}"`)).join('\n');
}

/**
 * At most `max` points of the empirical CDF of `sorted` (ascending), taken at
 * evenly spaced quantiles so the shape is kept; the first and last sample are
 * always included.
 */
function quantilePoints(sorted: readonly number[], max: number): { ms: number; fraction: number }[] {
  const n = sorted.length;
  const count = Math.min(n, max);
  const points: { ms: number; fraction: number }[] = [];
  for (let k = 0; k < count; k++) {
    const i = count === 1 ? n - 1 : Math.round((k * (n - 1)) / (count - 1));
    points.push({ ms: sorted[i] ?? 0, fraction: (i + 1) / n });
  }
  return points;
}

// --- Request rate ----------------------------------------------------------

interface RateSeries { readonly key: string; readonly label: string; readonly stroke: Stroke; readonly points: readonly (readonly [number, number])[] }

function ratePanel(reports: ChartReports): PanelSpec {
  const { bundle, git } = reports;
  const series: RateSeries[] = [];
  if (git) series.push(rateSeries('git-git', 'git server · git mode', MODE_STROKE.git, git.timeline.bucketMs, git.timeline.git));
  if (bundle) {
    series.push(rateSeries('bundle-git', 'git server · bundle mode', MODE_STROKE.bundle, bundle.timeline.bucketMs, bundle.timeline.git));
    series.push(rateSeries('bundle-store', 'object store · bundle mode', STORE_STROKE, bundle.timeline.bucketMs, bundle.timeline.store));
  }
  const rates = series.flatMap((s) => s.points.map((p) => p[1]));
  const maxS = Math.max(1, ...[bundle, git].map((r) => (r ? (Math.max(r.timeline.git.length, r.timeline.store.length) * r.timeline.bucketMs) / 1000 : 0)));
  const { axis, log } = rateAxis(rates);
  return {
    name: 'rate',
    title: 'Requests per second',
    legend: [...series.map((s) => ({ label: s.label, stroke: s.stroke })), ...notRun(reports)],
    x: timeAxis(maxS),
    y: axis,
    xTitle: 'time since the run started',
    yTitle: log ? 'requests / s (log scale)' : 'requests / s',
    plot: (m) => series.map((s) => {
      const d = s.points.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${fmt(m.x(t))},${fmt(m.y(v))}`).join('');
      return `<path data-series="rate-${s.key}" d="${d}" fill="none" stroke="${s.stroke.colour}" stroke-width="1.5" stroke-linejoin="round"${dashAttr(s.stroke)}/>`;
    }).join('\n'),
  };
}

/** Requests/s at each bucket's midpoint (seconds), adjacent buckets merged so there are at most MAX_RATE_POINTS. */
function rateSeries(key: string, label: string, stroke: Stroke, bucketMs: number, counts: readonly number[]): RateSeries {
  const factor = Math.max(1, Math.ceil(counts.length / MAX_RATE_POINTS));
  const points: [number, number][] = [];
  for (let start = 0; start < counts.length; start += factor) {
    const group = counts.slice(start, start + factor);
    const sum = group.reduce((a, b) => a + b, 0);
    const spanMs = group.length * bucketMs;
    points.push([(start * bucketMs + spanMs / 2) / 1000, (sum * 1000) / spanMs]);
  }
  return { key, label, stroke, points };
}

function notRun(reports: ChartReports): LegendEntry[] {
  return MODES.filter((mode) => !reports[mode]).map((mode) => ({ label: `${mode} mode: not run` }));
}

function presentModes(reports: ChartReports): [BenchMode, FleetBenchReport][] {
  return MODES.flatMap((mode): [BenchMode, FleetBenchReport][] => {
    const r = reports[mode];
    return r ? [[mode, r]] : [];
  });
}

/**
 * The run parameters, then the machine. A value that differs between the modes
 * is shown for each, bundle mode's first: "10,000 / 1,000 clusters".
 */
function subtitles(reports: ChartReports): [string, string] {
  const present = presentModes(reports).map(([, r]) => r);
  if (present.length === 0) return ['no benchmark reports', ''];
  const values = (value: (r: FleetBenchReport) => string): string[] => [...new Set(present.map(value))];
  const params = [
    values((r) => r.clusters.toString().replace(/\B(?=(\d{3})+$)/g, ',')).join(' / ') + ' clusters',
    `interval ${values((r) => seconds(r.intervalMs)).join(' / ')}`,
    `jitter ${values((r) => `±${Math.round(r.jitter * 100)}%`).join(' / ')}`,
    `${values((r) => String(r.commits)).join(' / ')} commits`,
    `${values((r) => (r.virtual ? 'virtual' : 'wall-clock')).join(' / ')} time`,
  ].join(' · ');
  const machines = values((r) => `${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGB} GB, Node ${r.machine.node}`);
  const perMode = (line: string, differs: boolean): string => (differs ? `bundle mode / git mode: ${line}` : line);
  // Parameters are numbers and fixed words, so " / " in them can only come from a difference.
  return [perMode(params, params.includes(' / ')), perMode(machines.join(' / '), machines.length > 1)];
}
