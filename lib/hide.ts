// SPDX-License-Identifier: MIT
/**
 * Replacement ("hidden") images: what a switched-off segment shows in a perturbed image.
 */
import type { RgbImage } from './image';
import { checkNumber, rangeError, typeError } from './validate';

/** How LIME hides a segment: its mean colour (default, as lime), black, a colour, or a box blur. */
export type HideSpec = 'mean' | 'black' | 'blur' | { color: [number, number, number] };

/**
 * Each segment painted with its per-channel mean colour, stored into 8 bits by truncation toward zero
 * (lime's `hide_color=None` "fudged" image, assigned into a uint8 array).
 */
export function segmentMeanImage(rgb: RgbImage, labels: Int32Array, count: number): RgbImage {
  const sums = new Float64Array(count * 3);
  const sizes = new Float64Array(count);
  const n = rgb.width * rgb.height;
  for (let p = 0; p < n; p++) {
    const l = labels[p];
    sizes[l]++;
    sums[3 * l] += rgb.data[3 * p];
    sums[3 * l + 1] += rgb.data[3 * p + 1];
    sums[3 * l + 2] += rgb.data[3 * p + 2];
  }
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const l = labels[p];
    for (let c = 0; c < 3; c++) out[3 * p + c] = Math.trunc(sums[3 * l + c] / sizes[l]);
  }
  return { data: out, width: rgb.width, height: rgb.height };
}

/** An image of one colour. */
export function solidImage(width: number, height: number, color: readonly [number, number, number]): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) out.set(color, 3 * p);
  return { data: out, width, height };
}

// OpenCV's BORDER_REFLECT_101 (cv2.blur's default): gfedcb|abcdefgh|gfedcba, for any offset.
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

/**
 * Box blur with a kx × ky window (cv2.blur semantics: normalised box filter, border reflect-101,
 * anchor at the centre), rounded to 8 bits. Separable, O(pixels × (kx + ky)) at worst.
 */
export function boxBlur(rgb: RgbImage, kx: number, ky: number): RgbImage {
  const { width: w, height: h } = rgb;
  const tmp = new Float64Array(w * h * 3);
  const out = new Uint8Array(w * h * 3);
  // OpenCV's anchor for even sizes is ksize/2, so the window is [x - k/2, x + (k-1)/2].
  const ax = Math.floor(kx / 2), ay = Math.floor(ky / 2);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let d = -ax; d < kx - ax; d++) s += rgb.data[3 * (r * w + reflect101(c + d, w)) + ch];
        tmp[3 * (r * w + c) + ch] = s;
      }
    }
  }
  const norm = 1 / (kx * ky);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let d = -ay; d < ky - ay; d++) s += tmp[3 * (reflect101(r + d, h) * w + c) + ch];
        out[3 * (r * w + c) + ch] = Math.min(255, Math.round(s * norm));
      }
    }
  }
  return { data: out, width: w, height: h };
}

/** Checks a hide spec (as given by a user) and builds the replacement image. */
export function hideImage(spec: unknown, rgb: RgbImage, labels: Int32Array, count: number, blurSize: number): RgbImage {
  if (spec === 'mean') return segmentMeanImage(rgb, labels, count);
  if (spec === 'black') return solidImage(rgb.width, rgb.height, [0, 0, 0]);
  if (spec === 'blur') {
    checkNumber('blurSize', blurSize, { integer: true, min: 1, max: 4096 });
    return boxBlur(rgb, blurSize, blurSize);
  }
  if (typeof spec === 'object' && spec !== null && 'color' in spec) {
    const color = (spec as { color: unknown }).color;
    if (!Array.isArray(color) || color.length !== 3) throw typeError('hide.color', 'an array [r, g, b]', color);
    color.forEach((v, i) => checkNumber(`hide.color[${i}]`, v, { integer: true, min: 0, max: 255 }));
    return solidImage(rgb.width, rgb.height, color as [number, number, number]);
  }
  if (typeof spec === 'string') throw rangeError('hide', "'mean', 'black', 'blur' or { color: [r, g, b] }", spec);
  throw typeError('hide', "'mean', 'black', 'blur' or { color: [r, g, b] }", spec);
}
