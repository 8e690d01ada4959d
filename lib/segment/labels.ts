// SPDX-License-Identifier: MIT
/** The caller's own label map, renumbered to 0..n-1 (numpy.unique's order). Registered in registry.ts. */
import { rangeError, typeError } from '../validate';
import type { SegmentMethodSpec } from './method';

export const labels = {
  name: 'labels',
  summary: 'your own label map (any integers), renumbered to 0..n-1',
  params: [],
  extraOptions: ['labels'],
  coarser: 'a label map with fewer distinct values',
  sweep: false,
  run: async (_rgb, _params, _seed, out, options) => {
    const { count, mapping } = relabel(options.labels, out);
    return { count, params: {}, mapping };
  },
} as const satisfies SegmentMethodSpec;

/** Renumbers a caller's label map to 0..n-1 in ascending order of the original values (numpy.unique). */
function relabel(source: unknown, out: Int32Array): { count: number; mapping: Int32Array } {
  if (source === undefined) throw typeError('labels', 'a label map (one integer per pixel)', source);
  if (!Array.isArray(source) && !ArrayBuffer.isView(source)) throw typeError('labels', 'an integer array or typed array', source);
  const map = source as ArrayLike<unknown>;
  if (map.length !== out.length) throw rangeError('labels', `length ${out.length} (width x height)`, `length ${map.length}`);
  const values = new Set<number>();
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(`labels[${i}]`, 'an integer', v);
    values.add(v);
  }
  const mapping = Int32Array.from([...values].sort((a, b) => a - b));
  const index = new Map<number, number>();
  mapping.forEach((v, i) => index.set(v, i));
  for (let i = 0; i < map.length; i++) out[i] = index.get(map[i] as number) as number;
  return { count: mapping.length, mapping };
}
