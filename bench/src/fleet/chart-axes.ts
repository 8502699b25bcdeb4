/** Chart axes: where ticks go and how values map onto the plot. Pure. */

/** A tick, at a value in data units. */
export interface Tick {
  readonly value: number;
  readonly label: string;
}
/** Tick values in data units; `pos` maps a value to 0..1 along the axis. */
export interface Axis {
  readonly ticks: readonly Tick[];
  readonly pos: (v: number) => number;
}

/**
 * The axis of request rates (per second): linear from 0, or log10 when the non-zero rates span more than 100x. On the
 * log axis zeros sit at the floor, a decade below the lowest non-zero rate and
 * labelled "0", so that no rate is drawn level with them.
 */
export function rateAxis(rates: readonly number[]): { axis: Axis; log: boolean } {
  const nonZero = rates.filter((r) => r > 0);
  const max = nonZero.reduce((a, b) => Math.max(a, b), 0);
  const min = nonZero.reduce((a, b) => Math.min(a, b), Infinity);
  if (nonZero.length === 0 || max / min <= 100) return { axis: linearAxis(max, compact, 5), log: false };
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  const floor = nonZero.length < rates.length ? lo - 1 : lo;
  const every = Math.ceil((hi - floor) / 8);
  const ticks: Tick[] = floor < lo ? [{ value: 0, label: '0' }] : [];
  for (let e = lo; e <= hi; e += every) ticks.push({ value: 10 ** e, label: compact(10 ** e) });
  const pos = (v: number): number => (v > 0 ? (Math.log10(Math.max(v, 10 ** lo)) - floor) / (hi - floor) : 0);
  return { axis: { ticks, pos }, log: true };
}


/**
 * 0 to a round top at or above `max`, in steps of 1, 2, 2.5 or 5 times a power
 * of ten: of the steps giving at most `maxSteps` ticks, the one with the top
 * closest to `max`.
 */
function linearAxis(max: number, label: (v: number) => string, maxSteps = 7): Axis {
  const top = max > 0 ? max : 1;
  const power = 10 ** Math.floor(Math.log10(top / maxSteps));
  let [step, count] = [Infinity, 1];
  for (const f of [1, 2, 2.5, 5, 10, 20]) {
    const n = Math.ceil(top / (f * power) - 1e-9);
    if (n <= maxSteps && n * f * power < count * step) [step, count] = [f * power, n];
  }
  const ticks: Tick[] = [];
  for (let i = 0; i <= count; i++) ticks.push({ value: i * step, label: label(i * step) });
  return { ticks, pos: (v) => v / (count * step) };
}

/** Seconds on a linear axis, ticked in minutes past 10 min. */
export function timeAxis(maxS: number): Axis {
  if (maxS <= 600) return linearAxis(maxS, (s) => (s === 0 ? '0' : `${Number(s.toPrecision(6))} s`));
  const minutes = linearAxis(maxS / 60, (v) => (v === 0 ? '0' : `${Number(v.toPrecision(6))} min`));
  return { ticks: minutes.ticks.map((t) => ({ value: t.value * 60, label: t.label })), pos: (v) => minutes.pos(v / 60) };
}


/** 1, 10, 100, 1k, 2.5k, 1M, 0.01. */
function compact(v: number): string {
  if (v >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (v >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}
