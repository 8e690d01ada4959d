// SPDX-License-Identifier: MIT
/**
 * The segmentation an explanation works on: made from options, or the caller's ready one, checked
 * and copied; refused past {@link MAX_SEGMENTS}.
 */
import type { RgbImage } from '../image';
import { checkNumber, rangeError } from '../validate';
import { segmentRgb } from './segment';
import { SEGMENT_METHODS, segmentMethod } from './registry';
import type { Segmentation, SegmentOptions } from './types';

/**
 * Most segments an explanation (LIME, SHAP over superpixels) accepts. LIME's fit solves an M×M
 * system per class, so its time grows as M³: on the 2-core development machine, 1,000 samples and
 * 5 classes took 0.4 s at 500 segments, 2.7 s at 1,000, 9 s at 1,600 and 18 s at 2,048 (measured
 * with other jobs running), and quickshift with `maxDist: 0` makes ~50,000 segments (a 20 GB
 * matrix). Past ~1,000 segments LIME's default 1,000 samples also no longer determine the fit.
 * A segmentation with more segments is refused before any model evaluation, with a hint at coarser
 * parameters. `segment()` itself has no such limit.
 */
export const MAX_SEGMENTS = 1024;

/**
 * The segmentation an explainer works on: a ready {@link Segmentation} (checked like any input,
 * and copied, since the caller may change its arrays while the explanation runs on other threads),
 * or the options of {@link segment} (default quickshift with LIME's parameters, seeded with `seed`
 * unless the options name their own).
 * @throws TypeError / RangeError for a ready segmentation of another size, a count that is not an
 *   integer >= 1, labels outside 0..count-1; RangeError for more than {@link MAX_SEGMENTS} segments.
 */
export async function resolveSegmentation(
  rgb: RgbImage,
  spec: SegmentOptions | Segmentation | undefined,
  seed: number,
): Promise<Segmentation> {
  let seg: Segmentation;
  if (isReadySegmentation(spec)) {
    seg = owned.has(spec) ? spec : ownSegmentation(spec);
    if (seg.width !== rgb.width || seg.height !== rgb.height)
      throw rangeError(
        'segmentation',
        `a segmentation of the model-sized image (${rgb.width}x${rgb.height})`,
        `${seg.width}x${seg.height}`,
      );
  } else {
    seg = await segmentRgb(rgb, { seed, ...((spec as SegmentOptions | undefined) ?? {}) });
  }
  if (seg.count > MAX_SEGMENTS) {
    throw new RangeError(
      `Expected at most ${MAX_SEGMENTS} segments (MAX_SEGMENTS) for segmentation but received ${seg.count} segments from ` +
        `${seg.method}: use ${segmentMethod(seg.method).coarser}`,
    );
  }
  return seg;
}

/** True for a ready {@link Segmentation} (rather than options of {@link segment}). */
function isReadySegmentation(spec: unknown): spec is Segmentation {
  return typeof spec === 'object' && spec !== null && (spec as Segmentation).labels instanceof Int32Array;
}

/** Segmentations made by {@link ownSegmentation}: checked copies no caller holds. */
const owned = new WeakSet<Segmentation>();

/**
 * Checks a caller's ready segmentation (count an integer >= 1, width x height labels, each in
 * 0..count-1) and returns a copy the library owns: the explainers call this synchronously when
 * called, so a caller changing its arrays afterwards (while the explanation runs on other threads)
 * changes nothing. Anything else is returned as it is.
 */
export function ownSegmentation<T>(spec: T): T {
  if (!isReadySegmentation(spec)) return spec;
  // Each field is read once: a getter may answer differently on a second read.
  const { labels, width, height, count, method, params, seed, ms, mapping } = spec;
  checkNumber('segmentation.width', width, { integer: true, min: 1 });
  checkNumber('segmentation.height', height, { integer: true, min: 1 });
  checkNumber('segmentation.count', count, { integer: true, min: 1, max: 2 ** 31 - 1 });
  const own = labels.slice();
  if (own.length !== width * height) throw rangeError('segmentation.labels', `${width * height} labels (width x height)`, own);
  for (let i = 0; i < own.length; i++) {
    const v = own[i] as number;
    if (v < 0 || v >= count) throw rangeError(`segmentation.labels[${i}]`, `a label in 0..${count - 1} (count ${count})`, v);
  }
  const copy: Segmentation = {
    labels: own,
    width,
    height,
    count,
    method: SEGMENT_METHODS.includes(method) ? method : 'labels',
    params: { ...params },
    seed: typeof seed === 'number' ? seed : 0,
    ms: typeof ms === 'number' ? ms : 0,
    ...(mapping instanceof Int32Array ? { mapping: mapping.slice() } : {}),
  };
  owned.add(copy);
  return copy as T;
}

/**
 * `options` with its ready `segmentation`, if any, replaced by an owned checked copy
 * ({@link ownSegmentation}); anything else is returned as it is (and validated later).
 */
export function withOwnSegmentation<T>(options: T): T {
  if (typeof options !== 'object' || options === null) return options;
  const segmentation = (options as { segmentation?: unknown }).segmentation;
  if (!isReadySegmentation(segmentation)) return options;
  return { ...options, segmentation: ownSegmentation(segmentation) };
}
