// SPDX-License-Identifier: MIT
/** SLIC superpixels, as scikit-image's `slic` (native/segment/slic.cc). Registered in registry.ts. */
import { binding, type NativeSlicParams } from '../native';
import type { SegmentMethodSpec } from './method';

export const slic = {
  name: 'slic',
  summary: "scikit-image's SLIC: k-means in colour and position, connected segments",
  params: [
    {
      name: 'nSegments',
      summary: 'approximate number of segments',
      default: 100,
      rule: { integer: true, min: 1, max: 1e7 },
      sweep: { tag: 'n' },
    },
    {
      name: 'compactness',
      summary: 'colour/space balance (higher: squarer segments)',
      default: 10,
      rule: { min: 0, minExclusive: true, max: 1e6 },
      sweep: { tag: 'c' },
    },
    { name: 'sigma', summary: 'Gaussian pre-smoothing width in pixels', default: 0, rule: { min: 0, max: 1000 }, sweep: { tag: 's' } },
    { name: 'maxIter', summary: 'iterations of k-means', default: 10, rule: { integer: true, min: 1, max: 1000 } },
    { name: 'convert2lab', summary: 'work in CIE Lab (true) or RGB', default: true, rule: 'boolean' },
    {
      name: 'enforceConnectivity',
      summary: 'merge small disconnected pieces so every segment is connected',
      default: true,
      rule: 'boolean',
    },
  ],
  coarser: 'a smaller nSegments',
  sweep: true,
  run: async (rgb, params, _seed, labels) => {
    const p = params as unknown as NativeSlicParams;
    const count = await binding.slic(rgb.data, rgb.width, rgb.height, p, labels);
    return { count, params: { ...p } };
  },
} as const satisfies SegmentMethodSpec;
