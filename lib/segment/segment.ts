// SPDX-License-Identifier: MIT
/**
 * Superpixel segmentation of an image by a registered method (registry.ts). Every method returns
 * labels numbered 0..count-1 and echoes its parameters and seed.
 */
import { performance } from 'node:perf_hooks';
import { loadImage, type ImageInput, type RgbImage } from '../image';
import { DEFAULT_SEED } from '../rng';
import { checkChoice, checkOptions, optionalSeed } from '../validate';
import { resolveParams } from './method';
import { SEGMENT_METHODS, segmentMethod, type SegmentMethod } from './registry';
import type { Segmentation, SegmentOptions } from './types';

/** Options every method takes. */
const COMMON = ['method', 'resize', 'seed'] as const;

/**
 * Checks segmentation options and fills every default, without segmenting (bounds that depend on
 * the image, such as a grid's rows, are checked when it is segmented). Useful to fail fast before
 * a long batch.
 * @throws TypeError / RangeError naming the option and the value.
 */
export function resolveSegmentOptions(options: SegmentOptions | undefined): SegmentOptions & { method: SegmentMethod } {
  const method = options?.method === undefined ? SEGMENT_METHODS[0] : checkChoice('method', options.method, SEGMENT_METHODS);
  const spec = segmentMethod(method);
  const o = checkOptions('options', options, [
    ...COMMON,
    ...spec.params.map((p) => p.name),
    ...(spec.extraOptions ?? []),
  ]) as SegmentOptions;
  resolveParams(spec, o as Record<string, unknown>);
  optionalSeed('seed', o.seed, DEFAULT_SEED);
  return { ...o, method };
}

/**
 * Segments an image into superpixels.
 *
 * @param image - a file path, encoded image bytes, or raw pixels (see {@link loadImage}).
 * @param options - `method` (default `'quickshift'`) and that method's parameters; see
 *   {@link SegmentOptions} for each default. Quickshift with the defaults gives the same labels as
 *   `skimage.segmentation.quickshift(img, kernel_size=4, max_dist=200, ratio=0.2, random_seed=42)`
 *   (scikit-image 0.19.3, as LIME calls it) for 8-bit RGB input.
 * @returns labels 0..count-1, row-major, with the parameters, seed and time used.
 * @throws TypeError / RangeError for bad options (naming the option and value); Error for images
 *   that cannot be read.
 * @example
 * const seg = await segment('cat.png', { kernelSize: 4, maxDist: 200, ratio: 0.2 });
 * console.log(seg.count, seg.ms);
 */
export async function segment(image: ImageInput, options?: SegmentOptions): Promise<Segmentation> {
  const o = resolveSegmentOptions(options);
  const rgb = await loadImage(image, o.resize);
  return segmentRgb(rgb, o);
}

/** {@link segment} for pixels already decoded (used by the explainers on the model-sized image). */
export async function segmentRgb(rgb: RgbImage, options?: SegmentOptions): Promise<Segmentation> {
  const o = resolveSegmentOptions(options);
  const spec = segmentMethod(o.method);
  const raw = o as unknown as Record<string, unknown>;
  const params = resolveParams(spec, raw, rgb);
  const seed = optionalSeed('seed', o.seed, DEFAULT_SEED);
  const { width, height } = rgb;
  const labels = new Int32Array(width * height);
  const start = performance.now();
  const run = await spec.run(rgb, params, seed, labels, raw);
  const seg: Segmentation = {
    labels,
    width,
    height,
    count: run.count,
    method: o.method,
    params: run.params,
    seed,
    ms: performance.now() - start,
  };
  if (run.mapping) seg.mapping = run.mapping;
  return seg;
}
