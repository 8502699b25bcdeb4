import { describe, expect, it } from 'vitest';
import { gridLayout } from '../../web/src/components/grid-layout.js';

describe('the fleet grid\'s layout', () => {
  it.each([
    // clusters, width (CSS px), cell, gap, cols
    [12, 1200, 21, 1, 54],
    [1_750, 1200, 15, 1, 75],
    [10_000, 1200, 6, 1, 171],
    [10_000, 600, 4, 1, 120],
    [100_000, 1200, 3, 0, 400],
  ])('lays %i clusters out in %i px as %i px cells (gap %i), %i a row', (n, width, cell, gap, cols) => {
    const layout = gridLayout(n, width);
    expect({ cell: layout.cell, gap: layout.gap, cols: layout.cols }).toEqual({ cell, gap, cols });
    expect(layout.cols * (layout.cell + layout.gap)).toBeLessThanOrEqual(width);
    expect(layout.cols * layout.rows).toBeGreaterThanOrEqual(n);
    expect((layout.rows - 1) * layout.cols).toBeLessThan(n);
  });

  it('keeps 10,000 clusters readable (cells of at least 4 px) within about one screen', () => {
    for (const width of [600, 1000, 1400, 1920]) {
      const { cell, gap, rows } = gridLayout(10_000, width);
      expect(cell).toBeGreaterThanOrEqual(4);
      expect(rows * (cell + gap)).toBeLessThanOrEqual(700);
    }
  });
});
