import { describe, expect, it } from 'vitest';
import { renderChart } from './chart.js';
import { costLine } from './cost.js';
import type { BenchMode, FleetBenchReport } from './result.js';

function report(mode: BenchMode, over: Partial<FleetBenchReport> = {}): FleetBenchReport {
  return {
    mode,
    clusters: 100,
    intervalMs: 30_000,
    jitter: 0.5,
    commits: 2,
    workers: 1,
    git: { requests: 10, fetchesPerCommit: 1 },
    store: { get200: 1, get304: 2, put: 0, list: 0, bytesDown: 1_000 },
    hub: { storeRequests: 0, storeRequestsPerCommit: 0 },
    convergenceMs: { p50: 2_000, p90: 3_000, p99: 40_000, max: 40_000 },
    boundMs: 45_350,
    failedClusters: 0,
    cpuMsPerPoll: 0.1,
    rssMB: 100,
    clusterErrors: { total: 0, top: [] },
    idle: { storeRequestsPerClusterPerInterval: 1, gitRequestsPerClusterPerInterval: 0, storeGetPerClusterPerInterval: 1, storeListPerClusterPerInterval: 0, storePutPerClusterPerHour: 0 },
    cost: costLine(100, { storeGetPerInterval: 1, storePutPerHour: 0, storeListPerInterval: 0, gitPerInterval: 0 }),
    seed: 1,
    virtual: true,
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 60_000,
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGB: 24, node: 'v20.19.0' },
    convergenceSamplesMs: [1_000, 2_000, 3_000, 40_000],
    timeline: { bucketMs: 1_000, git: [2, 0, 3], store: [10, 12, 11] },
    ...over,
  };
}

const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/i;

function assertEntities(s: string): void {
  for (let i = s.indexOf('&'); i !== -1; i = s.indexOf('&', i + 1)) {
    if (!ENTITY.test(s.slice(i, i + 12))) throw new Error(`bare & at ${s.slice(i, i + 12)}`);
  }
}

/** Index of the `>` closing the tag opened at `lt`, skipping quoted attribute values. */
function tagEnd(xml: string, lt: number): number {
  let quote = '';
  for (let i = lt + 1; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '<') throw new Error(`< in an attribute value at ${i}`);
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  throw new Error(`unclosed tag at ${lt}`);
}

/** The element name of a start tag's body, after checking its attributes are `name="value"` pairs. */
function tagName(body: string): string {
  const name = body.split(/\s/, 1)[0] ?? '';
  if (!name) throw new Error(`tag without a name: <${body}>`);
  let rest = body.slice(name.length).trim();
  while (rest) {
    const eq = rest.indexOf('=');
    const q = rest[eq + 1];
    const close = q === '"' || q === "'" ? rest.indexOf(q, eq + 2) : -1;
    if (eq < 1 || close === -1) throw new Error(`bad attribute in <${body}>`);
    assertEntities(rest.slice(eq + 2, close));
    rest = rest.slice(close + 1).trim();
  }
  return name;
}

/** Throws unless `xml` is one well-formed element: balanced tags, quoted attributes, only known entities. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    if (stack.length === 0 && text.trim()) throw new Error(`text outside the root: ${text}`);
    assertEntities(text);
    if (lt === -1) break;
    if (xml.startsWith('<?', lt)) {
      if (lt !== 0) throw new Error('XML declaration not at the start');
      i = xml.indexOf('?>', lt) + 2;
      continue;
    }
    const end = tagEnd(xml, lt);
    const body = xml.slice(lt + 1, end);
    if (body.startsWith('/')) {
      const open = stack.pop();
      if (open !== body.slice(1).trim()) throw new Error(`</${body.slice(1)}> closes <${open}>`);
    } else {
      const selfClosing = body.endsWith('/');
      const name = tagName(selfClosing ? body.slice(0, -1) : body);
      if (stack.length === 0) roots += 1;
      if (!selfClosing) stack.push(name);
    }
    i = end + 1;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

function between(svg: string, start: string): string {
  const from = svg.indexOf(start);
  if (from === -1) throw new Error(`no ${start}`);
  return svg.slice(from, svg.indexOf('</g>', from));
}

/** Tick labels of an axis group, with the y (or x) of each tick mark. */
function ticks(svg: string, axis: string): { label: string; at: number }[] {
  const coord = axis.endsWith('-y') ? 'y1' : 'x1';
  return [...between(svg, `data-axis="${axis}"`).matchAll(new RegExp(`<line [^>]*${coord}="([\\d.-]+)"[^>]*/><text [^>]*>([^<]*)</text>`, 'g'))]
    .map((m) => ({ label: m[2] ?? '', at: Number(m[1]) }));
}

function pathData(svg: string, series: string): string {
  const m = new RegExp(`data-series="${series}" d="([^"]*)"`).exec(svg);
  if (!m?.[1]) throw new Error(`no path ${series}`);
  return m[1];
}

function tickAt(list: readonly { label: string; at: number }[], label: string): number {
  const t = list.find((x) => x.label === label);
  if (!t) throw new Error(`no tick ${label} in ${list.map((x) => x.label).join(', ')}`);
  return t.at;
}

describe('renderChart', () => {
  it('rejects malformed XML in its own checker', () => {
    expect(() => assertWellFormed('<svg><g></svg>')).toThrow();
    expect(() => assertWellFormed('<svg><text>a & b</text></svg>')).toThrow();
    expect(() => assertWellFormed('<svg><text>a <b> c</text></svg>')).toThrow();
    expect(() => assertWellFormed('<svg a="1" b=2/>')).toThrow();
  });

  it.each([
    ['both modes', { bundle: report('bundle'), git: report('git') }],
    ['bundle mode only', { bundle: report('bundle') }],
    ['git mode only', { git: report('git') }],
    ['no report', {}],
  ])('is a well-formed standalone SVG document with %s', (_, reports) => {
    const svg = renderChart(reports);
    assertWellFormed(svg);
    expect(svg).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 1000 420"/);
    expect(svg).not.toMatch(/<script|href=|@import|url\(/);
  });

  it('draws one CDF line per mode run and names the mode that was not', () => {
    const both = renderChart({ bundle: report('bundle'), git: report('git') });
    expect(both.match(/data-series="cdf-/g)).toHaveLength(2);
    expect(both).not.toContain('not run');
    expect(both.match(/data-marker="bound-/g)).toHaveLength(2);

    const bundleOnly = renderChart({ bundle: report('bundle') });
    expect(bundleOnly.match(/data-series="cdf-[a-z]+"/g)).toEqual(['data-series="cdf-bundle"']);
    expect(bundleOnly).toContain('git mode: not run');
    expect(bundleOnly).not.toContain('data-series="rate-git-git"');

    const gitOnly = renderChart({ git: report('git') });
    expect(gitOnly.match(/data-series="cdf-[a-z]+"/g)).toEqual(['data-series="cdf-git"']);
    expect(gitOnly).toContain('bundle mode: not run');
    expect(gitOnly.match(/data-series="rate-[a-z-]+"/g)).toEqual(['data-series="rate-git-git"']);
  });

  it('labels each p99 and states the run parameters', () => {
    const svg = renderChart({ bundle: report('bundle', { clusters: 10_000 }), git: report('git', { virtual: false }) });
    expect(svg).toContain('>p99 40 s</text>');
    expect(svg).toContain('>bundle mode / git mode: 10,000 / 100 clusters · interval 30 s · jitter ±50% · 2 commits · virtual / wall-clock time</text>');
    expect(svg).toContain('>2 × Test CPU, 24 GB, Node v20.19.0</text>');
    const same = renderChart({ bundle: report('bundle'), git: report('git') });
    expect(same).toContain('>100 clusters · interval 30 s · jitter ±50% · 2 commits · virtual time</text>');
  });

  it('escapes text taken from the reports', () => {
    const cpuModel = 'Evil <CPU> & "Co" \'Ltd\' $& $1';
    const svg = renderChart({ bundle: report('bundle', { machine: { cpus: 4, cpuModel, memoryGB: 8, node: 'v20</text>' } }) });
    assertWellFormed(svg);
    expect(svg).toContain('Evil &lt;CPU&gt; &amp; &quot;Co&quot; &apos;Ltd&apos; $&amp; $1');
    expect(svg).toContain('v20&lt;/text&gt;');
    expect(svg).not.toContain(cpuModel);
  });

  it('uses a log axis when request rates span 1000x', () => {
    const svg = renderChart({
      git: report('git', { timeline: { bucketMs: 1_000, git: [1_000, 1_000, 1_000], store: [0, 0, 0] } }),
      bundle: report('bundle', { timeline: { bucketMs: 1_000, git: [1, 1, 1], store: [10, 10, 10] } }),
    });
    expect(ticks(svg, 'rate-y').map((t) => t.label)).toEqual(['1', '10', '100', '1k']);
    expect(svg).toContain('requests / s (log scale)');
  });

  it('keeps a linear axis from 0 when request rates span 2x', () => {
    const svg = renderChart({
      git: report('git', { timeline: { bucketMs: 1_000, git: [100, 100], store: [0, 0] } }),
      bundle: report('bundle', { timeline: { bucketMs: 1_000, git: [50, 50], store: [60, 60] } }),
    });
    expect(ticks(svg, 'rate-y').map((t) => t.label)).toEqual(['0', '20', '40', '60', '80', '100']);
    expect(svg).not.toContain('log scale');
  });

  it('computes requests per second from the bucket size', () => {
    const svg = renderChart({ bundle: report('bundle', { timeline: { bucketMs: 500, git: [0, 0], store: [50, 50] } }) });
    const y = ticks(svg, 'rate-y');
    const store = pathData(svg, 'rate-bundle-store');
    expect(store).toContain(`,${tickAt(y, '100')}L`);
  });

  it('draws zero rates at the floor of a log axis, below the lowest non-zero rate', () => {
    const svg = renderChart({
      git: report('git', { timeline: { bucketMs: 1_000, git: [1_000, 1_000, 1_000], store: [0, 0, 0] } }),
      bundle: report('bundle', { timeline: { bucketMs: 1_000, git: [0, 5, 0], store: [10, 10, 10] } }),
    });
    const y = ticks(svg, 'rate-y');
    expect(y.map((t) => t.label)).toEqual(['0', '1', '10', '100', '1k']);
    const ys = [...pathData(svg, 'rate-bundle-git').matchAll(/,([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys[0]).toBe(tickAt(y, '0'));
    expect(ys[2]).toBe(tickAt(y, '0'));
    expect(ys[1]).toBeLessThan(tickAt(y, '1'));
  });

  it('downsamples 100,000 convergence samples, keeping the first and the last', () => {
    const samples = Array.from({ length: 100_000 }, (_, i) => 1_000 + (i * 98_000) / 99_999);
    const svg = renderChart({ bundle: report('bundle', { convergenceSamplesMs: samples, boundMs: 50_000 }) });
    const d = pathData(svg, 'cdf-bundle');
    const steps = d.match(/V/g) ?? [];
    expect(steps.length).toBeGreaterThan(100);
    expect(steps.length).toBeLessThanOrEqual(501);
    const x = ticks(svg, 'cdf-x');
    const [x0, x100] = [tickAt(x, '0'), tickAt(x, '100 s')];
    const xAt = (s: number): number => Math.round((x0 + ((x100 - x0) * s) / 100) * 10) / 10;
    expect(d.startsWith(`M${xAt(1)},`)).toBe(true);
    expect(d).toMatch(new RegExp(`H${xAt(99)}V${tickAt(ticks(svg, 'cdf-y'), '100%')}$`));
  });

  it('keeps every point of a small sample', () => {
    const svg = renderChart({ git: report('git', { convergenceSamplesMs: [1_000, 2_000, 3_000] }) });
    expect(pathData(svg, 'cdf-git').match(/V/g)).toHaveLength(3);
  });

  it('merges long timelines to at most 600 points', () => {
    const git = Array.from({ length: 10_000 }, (_, i) => i % 7);
    const svg = renderChart({ git: report('git', { timeline: { bucketMs: 1_000, git, store: [] } }) });
    const points = pathData(svg, 'rate-git-git').match(/[ML]/g) ?? [];
    expect(points.length).toBeGreaterThan(300);
    expect(points.length).toBeLessThanOrEqual(600);
  });

  it('is deterministic, with coordinates rounded to 0.1', () => {
    const make = (): string => {
      const samples = Array.from({ length: 5_000 }, (_, i) => (i * i) % 97_003);
      samples.sort((a, b) => a - b);
      return renderChart({
        bundle: report('bundle', { convergenceSamplesMs: samples }),
        git: report('git', { convergenceSamplesMs: samples.map((s) => s * 1.7), timeline: { bucketMs: 333, git: [3, 7, 1, 0, 9], store: [0, 0, 0, 0, 0] } }),
      });
    };
    const svg = make();
    expect(make()).toBe(svg);
    const coordinates = (svg.match(/ (?:d|x|y|x1|x2|y1|y2|cx|cy)="[^"]*"/g) ?? []).join('');
    expect(coordinates.length).toBeGreaterThan(1_000);
    expect(coordinates).not.toMatch(/\d\.\d{2}/);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });
});
