// SPDX-License-Identifier: MIT
/**
 * LIME's picture: `get_image_and_mask` (which segments to show, exactly as lime 0.2 picks them)
 * followed by `mark_boundaries`. By hand because it reproduces lime's selection rules, not a
 * drawing operation sharp has.
 */
import { markBoundaries } from './boundaries';
import { checkRgbImage } from '../image';
import { checkNumber, rangeError, typeError } from '../validate';
import { type Rgb, type RgbImage, checkLabels, checkRgb, mix } from './raster';

/** Options of {@link getImageAndMask} and {@link limeImage}. */
export interface LimeImageOptions {
  /** Only segments with positive weight `w > minWeight` (default true). */
  positiveOnly?: boolean;
  /** Only segments with negative weight `|w| > minWeight` (default false). */
  negativeOnly?: boolean;
  /** Paint non-selected pixels black (default false). */
  hideRest?: boolean;
  /** Number of top-|weight| segments considered (default 5). */
  numFeatures?: number;
  /** Minimum |weight| of a selected segment (default 0). */
  minWeight?: number;
}

/** Extra options of {@link limeImage}. */
export interface LimeRenderOptions extends LimeImageOptions {
  /**
   * When `hideRest` is false, non-selected pixels are darkened to
   * `(1 - dimRest) * pixel` so the selected segments stand out (default 0.5;
   * 0 reproduces LIME's returned image exactly).
   */
  dimRest?: number;
  /** Boundary colour (default yellow `[255, 255, 0]`, as `mark_boundaries`). */
  boundaryColor?: Rgb;
}

/** Result of {@link getImageAndMask}. */
export interface ImageAndMask {
  /** LIME's `temp` image (see {@link getImageAndMask}). */
  image: RgbImage;
  /** Per-pixel mask: 1 selected (positive), -1 selected negative (mixed mode only), 0 not selected. */
  mask: Int32Array;
}

function validate(image: RgbImage, labels: Int32Array, weights: Float64Array, options: LimeImageOptions): Required<LimeImageOptions> {
  checkRgbImage('image', image);
  checkLabels('labels', labels, image.width, image.height);
  if (!(weights instanceof Float64Array)) throw typeError('weights', 'a Float64Array (one weight per segment id)', weights);
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p] ?? -1;
    if (l < 0 || l >= weights.length)
      throw rangeError(`labels[${p}]`, `a segment id in 0..${weights.length - 1} (weights has ${weights.length} entries)`, l);
  }
  const o: Required<LimeImageOptions> = {
    positiveOnly: options.positiveOnly ?? true,
    negativeOnly: options.negativeOnly ?? false,
    hideRest: options.hideRest ?? false,
    numFeatures: options.numFeatures ?? 5,
    minWeight: options.minWeight ?? 0,
  };
  if (o.positiveOnly && o.negativeOnly) {
    throw new RangeError(
      'options.positiveOnly and options.negativeOnly cannot both be true (positiveOnly defaults to true, as in LIME: pass positiveOnly: false with negativeOnly: true)',
    );
  }
  checkNumber('options.numFeatures', o.numFeatures, { integer: true, min: 1 });
  checkNumber('options.minWeight', o.minWeight);
  return o;
}

/**
 * LIME's `ImageExplanation.get_image_and_mask`, exactly:
 * - the explanation is the list of (segment, weight) for every finite weight
 *   (NaN marks a segment absent from the explanation), sorted by |weight|
 *   descending, ties by segment id (Python's stable sort);
 * - `positiveOnly`: the first `numFeatures` entries with `w > 0 && w > minWeight`
 *   get mask 1; `negativeOnly`: the first `numFeatures` with `w < 0 && |w| > minWeight`;
 * - neither: of the first `numFeatures` entries, those with `|w| >= minWeight`
 *   get mask -1 (w < 0) or 1, and in the returned image channel 0 (negative;
 *   red) or channel 1 (positive; green) of their pixels is set to the
 *   maximum byte of the whole image;
 * - the returned image is a copy of `image` (`hideRest` false) or black
 *   outside the selected segments (`hideRest` true).
 * @param image - the explained RGB image
 * @param labels - Int32Array segment ids 0..n-1, `image.width * image.height`
 * @param weights - Float64Array of n per-segment weights (`weights[s]` for segment s)
 * @param options - positiveOnly (default true), negativeOnly (default false),
 *   hideRest (default false), numFeatures (default 5), minWeight (default 0)
 * @throws RangeError when both positiveOnly and negativeOnly are true, sizes
 *   mismatch, or a label is outside 0..weights.length-1
 */
export function getImageAndMask(image: RgbImage, labels: Int32Array, weights: Float64Array, options: LimeImageOptions = {}): ImageAndMask {
  const o = validate(image, labels, weights, options);
  const exp: [number, number][] = [];
  weights.forEach((w, s) => {
    if (Number.isFinite(w)) exp.push([s, w]);
  });
  exp.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  const n = labels.length;
  const src = image.data;
  const temp = o.hideRest ? new Uint8Array(src.length) : new Uint8Array(src);
  const mask = new Int32Array(n);
  const segMask = new Int32Array(weights.length); // per segment: 0, 1 or -1
  const segChannel = new Int32Array(weights.length).fill(-1);
  if (o.positiveOnly || o.negativeOnly) {
    const fs = exp
      .filter(([, w]) => (o.positiveOnly ? w > 0 && w > o.minWeight : w < 0 && Math.abs(w) > o.minWeight))
      .slice(0, o.numFeatures);
    for (const [s] of fs) segMask[s] = 1;
  } else {
    for (const [s, w] of exp.slice(0, o.numFeatures)) {
      if (Math.abs(w) < o.minWeight) continue;
      segMask[s] = w < 0 ? -1 : 1;
      segChannel[s] = w < 0 ? 0 : 1;
    }
  }
  let maxByte = 0;
  for (let i = 0; i < src.length; i++) maxByte = Math.max(maxByte, src[i] ?? 0);
  for (let p = 0; p < n; p++) {
    const s = labels[p] ?? 0;
    const m = segMask[s] ?? 0;
    mask[p] = m;
    if (m === 0) continue;
    temp[3 * p] = src[3 * p] ?? 0;
    temp[3 * p + 1] = src[3 * p + 1] ?? 0;
    temp[3 * p + 2] = src[3 * p + 2] ?? 0;
    const c = segChannel[s] ?? -1;
    if (c >= 0) temp[3 * p + c] = maxByte;
  }
  return { image: { data: temp, width: image.width, height: image.height }, mask };
}

/**
 * LIME's usual picture: {@link getImageAndMask} followed by
 * `mark_boundaries(temp, mask)` (yellow, mode 'outer', background label 0 —
 * i.e. outlines drawn around the selected segments, on the non-selected side,
 * and on both sides between negative and positive segments).
 * One deviation from the raw LIME output, on by default: when `hideRest` is
 * false the non-selected pixels are darkened by `dimRest` (default 0.5:
 * half brightness) so the selected segments stand out; pass `dimRest: 0` for
 * LIME's image unchanged. Output has the input's size.
 * @param image - the explained RGB image
 * @param labels - Int32Array segment ids 0..n-1, `image.width * image.height`
 * @param weights - Float64Array of n per-segment weights (NaN = not in the explanation)
 * @param options - positiveOnly (default true), negativeOnly (default false),
 *   hideRest (default false), numFeatures (default 5), minWeight (default 0),
 *   dimRest (default 0.5), boundaryColor (default `[255, 255, 0]`)
 */
export function limeImage(image: RgbImage, labels: Int32Array, weights: Float64Array, options: LimeRenderOptions = {}): RgbImage {
  const { image: temp, mask } = getImageAndMask(image, labels, weights, options);
  const dim = options.dimRest ?? 0.5;
  checkNumber('options.dimRest', dim, { min: 0, max: 1 });
  const color = options.boundaryColor ?? [255, 255, 0];
  checkRgb('options.boundaryColor', color);
  if (!(options.hideRest ?? false) && dim > 0) {
    const d = temp.data;
    for (let p = 0; p < mask.length; p++) {
      if (mask[p] !== 0) continue;
      // black painted with opacity dim: under * (1 - dim) + 0 * dim
      d[3 * p] = mix(d[3 * p] ?? 0, 0, dim);
      d[3 * p + 1] = mix(d[3 * p + 1] ?? 0, 0, dim);
      d[3 * p + 2] = mix(d[3 * p + 2] ?? 0, 0, dim);
    }
  }
  return markBoundaries(temp, mask, { color, mode: 'outer', backgroundLabel: 0 });
}
