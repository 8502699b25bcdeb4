/** SVG text for the chart: strokes, legends, text and coordinates, formatted deterministically. Pure. */

/** A line's colour and dash pattern ('' for solid). */
export interface Stroke {
  readonly colour: string;
  readonly dash: string;
}
/** A legend entry: a label, with the sample of its line unless it has none (drawn greyed). */
export interface LegendEntry {
  readonly label: string;
  readonly stroke?: Stroke;
  readonly vertical?: boolean;
}

/** Baseline of the first legend row, px from the top. */
export const LEGEND_TOP = 76;
/** Height of a legend row, px. */
export const LEGEND_ROW = 16;
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** A legend in rows from `LEGEND_TOP`, wrapping within `width` px: a line sample (horizontal, or vertical for a marker) and the label of each entry. */
export function legendSvg(entries: readonly LegendEntry[], left: number, width: number): { svg: string; rows: number } {
  const parts: string[] = [];
  let [x, row] = [left, 0];
  for (const e of entries) {
    const w = 26 + textWidth(e.label) + 14;
    if (x > left && x + w > left + width) [x, row] = [left, row + 1];
    const y = LEGEND_TOP + row * LEGEND_ROW;
    if (e.stroke) {
      const line = e.vertical ? `x1="${fmt(x + 10)}" x2="${fmt(x + 10)}" y1="${fmt(y - 9)}" y2="${fmt(y + 3)}"` : `x1="${fmt(x)}" x2="${fmt(x + 20)}" y1="${fmt(y - 4)}" y2="${fmt(y - 4)}"`;
      parts.push(`<line ${line} stroke="${e.stroke.colour}" stroke-width="2"${dashAttr(e.stroke)}/>`);
    }
    parts.push(text(x + 26, y, e.label, e.stroke ? '' : 'fill="#777" font-style="italic"'));
    x += w;
  }
  return { svg: `<g data-legend="">${parts.join('')}</g>`, rows: row + 1 };
}


/** A `<text>` element at (x, y), its content escaped and cut to 150 characters. */
export function text(x: number, y: number, content: string, attrs: string): string {
  const max = 150;
  const shown = content.length > max ? `${content.slice(0, max - 1)}…` : content;
  return `<text x="${fmt(x)}" y="${fmt(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(shown)}</text>`;
}


/** `s` with the five XML special characters escaped. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}


/** The `stroke-dasharray` attribute of a dashed stroke, with a leading space; '' for a solid one. */
export function dashAttr(s: Stroke): string {
  return s.dash ? ` stroke-dasharray="${s.dash}"` : '';
}


/** Rough width of 11px system-ui text, px: enough to lay out legends. */
export function textWidth(s: string): number {
  return s.length * 6.2;
}


/** A coordinate rounded to 0.1, without a trailing ".0" or "-0". */
export function fmt(v: number): string {
  return String(Math.round(v * 10) / 10 || 0);
}


/** `ms` as seconds with about three significant digits: "41.2 s". */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}


/** A step line: flat until each point's x, then up to its y. */
export function stepPath(points: readonly (readonly [number, number])[], baseY: number): string {
  const first = points[0];
  if (!first) return '';
  let lastX = fmt(first[0]);
  let lastY = fmt(baseY);
  let d = `M${lastX},${lastY}`;
  for (const [x, y] of points) {
    const [sx, sy] = [fmt(x), fmt(y)];
    if (sx !== lastX) d += `H${sx}`;
    if (sy !== lastY) d += `V${sy}`;
    [lastX, lastY] = [sx, sy];
  }
  return d;
}
