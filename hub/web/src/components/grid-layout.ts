/** The canvas's target height, CSS px: cells shrink to fit the fleet into about this much. */
const TARGET_HEIGHT = 420;
const MIN_CELL = 3;
const MAX_CELL = 22;

/** How the grid is laid out: cells of `cell` CSS px (plus `gap`), `cols` a row. */
export interface GridLayout {
  readonly cell: number;
  readonly gap: number;
  readonly cols: number;
  readonly rows: number;
}

/** Cells as large as fit `count` clusters into `width` × about TARGET_HEIGHT CSS px (3 to 22 px), a 1 px gap from 5 px up. */
export function gridLayout(count: number, width: number): GridLayout {
  const n = Math.max(count, 1);
  const w = Math.max(width, 50);
  const pitch = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(Math.sqrt((w * TARGET_HEIGHT) / n))));
  const gap = pitch >= 5 ? 1 : 0;
  const cols = Math.max(1, Math.floor(w / pitch));
  return { cell: pitch - gap, gap, cols, rows: Math.ceil(n / cols) };
}
