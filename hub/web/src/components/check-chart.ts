import type { CheckView } from '@driftless/hub';
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { checkChartData } from './check-chart-data.js';

const WIDTH = 320;
const HEIGHT = 120;

/**
 * A check's recent worst values as a small uPlot line chart with its
 * threshold(s) as dashed red lines. The canvas carries `data-points` (the
 * evaluations drawn) so tests and screen readers need not read pixels.
 */
export function CheckChart(props: { check: CheckView }) {
  const box = useRef<HTMLDivElement>(null);
  const { check } = props;
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const d = checkChartData(check);
    const plot = new uPlot(
      {
        width: WIDTH,
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: () => [d.range[0], d.range[1]] } },
        axes: [{ size: 28 }, { size: 48 }],
        series: [
          {},
          { label: check.check, stroke: '#2f5bd3', width: 2, points: { show: true, size: 5 }, spanGaps: false },
          ...d.thresholds.map((t) => ({ label: t.label, stroke: '#d1352b', width: 1, dash: [6, 4], points: { show: false } })),
        ],
      },
      [d.xs, d.values, ...d.thresholds.map((t) => t.values)],
      el,
    );
    plot.root.querySelector('canvas')?.setAttribute('data-points', String(d.values.filter((v) => v !== null).length));
    return () => plot.destroy();
  }, [JSON.stringify([check.history, check.max, check.min])]);
  return html`<div class="check-chart" ref=${box} aria-label=${`${check.check} history`}></div>`;
}
