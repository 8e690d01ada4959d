// SPDX-License-Identifier: MIT
/**
 * Quickshift, scikit-image's, label for label (native/segment/quickshift*.cc), with LIME's parameters as
 * defaults. Registered in registry.ts.
 */
import { binding, type NativeQuickshiftParams } from '../native';
import type { SegmentMethodSpec } from './method';

export const quickshift = {
  name: 'quickshift',
  summary: "scikit-image's quickshift, pixel for pixel (LIME's segmentation)",
  params: [
    {
      name: 'kernelSize',
      summary: 'width of the Gaussian density kernel; window radius ceil(3·kernelSize)',
      default: 4,
      rule: { min: 0, minExclusive: true, max: 64 },
      sweep: { tag: 'ks' },
    },
    {
      name: 'maxDist',
      summary: 'links longer than this are cut (more segments when smaller); Infinity allowed',
      default: 200,
      rule: { min: 0, allowInfinity: true },
      sweep: { tag: 'md' },
    },
    { name: 'ratio', summary: 'weight of colour against position, in [0, 1]', default: 0.2, rule: { min: 0, max: 1 }, sweep: { tag: 'r' } },
    { name: 'sigma', summary: 'Gaussian pre-smoothing width in pixels', default: 0, rule: { min: 0, max: 1000 }, sweep: { tag: 's' } },
    { name: 'convert2lab', summary: 'work in CIE Lab (true) or RGB', default: true, rule: 'boolean' },
  ],
  coarser: 'a larger maxDist or kernelSize',
  sweep: true,
  run: async (rgb, params, seed, labels) => {
    const p: NativeQuickshiftParams = { ...(params as unknown as Omit<NativeQuickshiftParams, 'seed'>), seed };
    const count = await binding.quickshift(rgb.data, rgb.width, rgb.height, p, labels);
    return { count, params: { ...p } };
  },
} as const satisfies SegmentMethodSpec;
