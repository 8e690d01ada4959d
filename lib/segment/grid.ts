// SPDX-License-Identifier: MIT
/** A regular grid of rows × cols cells. Registered in registry.ts. */
import type { SegmentMethodSpec } from './method';

export const grid = {
  name: 'grid',
  summary: 'a regular grid of rows × cols cells',
  params: [
    {
      name: 'rows',
      summary: 'rows of cells, 1..height',
      default: 8,
      rule: ({ height }) => ({ integer: true, min: 1, max: height }),
      sweep: { tag: 'rows' },
    },
    {
      name: 'cols',
      summary: 'columns of cells, 1..width',
      default: 8,
      rule: ({ width }) => ({ integer: true, min: 1, max: width }),
      sweep: { tag: 'cols' },
    },
  ],
  coarser: 'fewer rows or cols',
  sweep: true,
  run: async ({ width, height }, params, _seed, labels) => {
    const rows = params.rows as number,
      cols = params.cols as number;
    for (let r = 0; r < height; r++) {
      const base = Math.floor((r * rows) / height) * cols;
      for (let c = 0; c < width; c++) labels[r * width + c] = base + Math.floor((c * cols) / width);
    }
    return { count: rows * cols, params: { rows, cols } };
  },
} as const satisfies SegmentMethodSpec;
