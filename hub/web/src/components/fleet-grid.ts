import type { FleetSummary } from '@driftless/hub';
import { html } from 'htm/preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { CLUSTER_PHASES } from '../constants.js';
import { gridLayout, type GridLayout } from './grid-layout.js';

/** The phase colours, from dashboard.css's variables (`--failed`, …), in CLUSTER_PHASES order. */
function phaseColours(): string[] {
  const style = getComputedStyle(document.documentElement);
  return CLUSTER_PHASES.map((p) => style.getPropertyValue(`--${p.toLowerCase()}`).trim() || '#999');
}

/**
 * Paints every cluster as one cell: one pass buckets clusters by phase, then
 * one fillRect each with the colour set once per phase (no per-cluster DOM,
 * no work proportional to clusters × phases). Lagging cells get a dark corner.
 */
function paint(canvas: HTMLCanvasElement, grid: FleetSummary['grid'], layout: GridLayout, width: number): void {
  const dpr = window.devicePixelRatio || 1;
  const height = layout.rows * (layout.cell + layout.gap);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const buckets: number[][] = CLUSTER_PHASES.map(() => []);
  const lagging: number[] = [];
  const n = grid.names.length;
  for (let i = 0; i < n; i++) {
    buckets[grid.phase[i] ?? 3]?.push(i);
    if (grid.lagging[i] === 1) lagging.push(i);
  }
  const colours = phaseColours();
  const pitch = layout.cell + layout.gap;
  buckets.forEach((cells, phase) => {
    ctx.fillStyle = colours[phase] ?? '#999';
    for (const i of cells) ctx.fillRect((i % layout.cols) * pitch, Math.floor(i / layout.cols) * pitch, layout.cell, layout.cell);
  });
  const mark = Math.max(2, Math.floor(layout.cell / 2));
  ctx.fillStyle = 'rgba(0,0,0,.55)';
  for (const i of lagging) {
    const x = (i % layout.cols) * pitch + layout.cell - mark;
    const y = Math.floor(i / layout.cols) * pitch;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + mark, y);
    ctx.lineTo(x + mark, y + mark);
    ctx.fill();
  }
}

/**
 * The fleet as a grid of cells on one canvas, one per cluster in name order,
 * coloured by phase, lagging ones marked; sized to its container's width and
 * drawn at the device pixel ratio. Hovering shows a cluster's name and
 * phase; a click calls `onOpen` with its name; `onPainted` runs after each
 * drawing. `data-clusters` says how many
 * cells it drew (the browser tests read it), `data-cols`/`data-pitch` where.
 */
export function FleetGrid(props: { grid: FleetSummary['grid']; onOpen: (name: string) => void; onPainted?: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ i: number; x: number; y: number } | undefined>(undefined);
  const n = props.grid.names.length;
  const layout = gridLayout(n, width);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useLayoutEffect(() => {
    if (!canvas.current || width === 0) return;
    paint(canvas.current, props.grid, layout, width);
    props.onPainted?.();
  }, [props.grid, width]);
  useEffect(() => setHover(undefined), [props.grid]);
  const at = (e: MouseEvent): number | undefined => {
    const pitch = layout.cell + layout.gap;
    const col = Math.floor(e.offsetX / pitch);
    const i = Math.floor(e.offsetY / pitch) * layout.cols + col;
    return col < layout.cols && i >= 0 && i < n ? i : undefined;
  };
  const onMove = (e: MouseEvent): void => {
    const i = at(e);
    setHover(i === undefined ? undefined : { i, x: e.offsetX, y: e.offsetY });
  };
  const onClick = (e: MouseEvent): void => {
    const i = at(e);
    const name = i === undefined ? undefined : props.grid.names[i];
    if (name !== undefined) props.onOpen(name);
  };
  const tip = hover === undefined ? null : html`<div class="grid-tip" style=${`left:${hover.x + 12}px;top:${hover.y + 12}px`} role="tooltip">
    <strong>${props.grid.names[hover.i]}</strong> ${CLUSTER_PHASES[props.grid.phase[hover.i] ?? 3]}${props.grid.lagging[hover.i] === 1 ? ', lagging' : ''}
  </div>`;
  return html`<div class="fleet-grid" ref=${box}>
    <canvas ref=${canvas} role="img" aria-label=${`${n} clusters by phase`} data-clusters=${width > 0 ? n : undefined}
      data-cols=${layout.cols} data-pitch=${layout.cell + layout.gap} onMouseMove=${onMove} onMouseLeave=${() => setHover(undefined)} onClick=${onClick}></canvas>
    ${tip}
  </div>`;
}
