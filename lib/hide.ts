// SPDX-License-Identifier: MIT
/**
 * The kernels of replacement ("hidden") images: what a switched-off feature shows in a perturbed
 * image. Which one a caller asked for is checked and chosen in background.ts.
 */
import { floatRgbImage, type RgbImage } from './image';

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

/**
 * {@link segmentMeanImage} of an image with float `values` (16-bit, float): each segment's mean of
 * the float pixels, not truncated (the mean rounded once, to float32).
 */
export function segmentMeanValues(rgb: RgbImage & { values: Float32Array }, labels: Int32Array, count: number): RgbImage {
  const B = rgb.bands ?? 3;
  const sums = new Float64Array(count * B);
  const sizes = new Float64Array(count);
  const n = rgb.width * rgb.height;
  for (let p = 0; p < n; p++) {
    const l = labels[p];
    sizes[l]++;
    for (let c = 0; c < B; c++) sums[B * l + c] += rgb.values[B * p + c];
  }
  const out = new Float32Array(n * B);
  for (let p = 0; p < n; p++) {
    const l = labels[p];
    for (let c = 0; c < B; c++) out[B * p + c] = sums[B * l + c] / sizes[l];
  }
  return floatRgbImage(out, rgb.width, rgb.height, B);
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
 * OpenCV's cvRound for a non-negative double: nearest integer, halves to the even neighbour (the
 * FPU's default rounding, which `saturate_cast<uchar>(double)` and OpenCV's SIMD `v_round` use).
 * `Math.round` rounds halves up instead.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Box blur with a kx × ky window, as `cv2.blur(image, (kx, ky))` on a uint8 image: normalised box
 * filter, border reflect-101 (gfedcb|abcdefgh|gfedcba, repeated for windows wider than the image),
 * anchor at (kx/2, ky/2) rounded down, so an even window reaches one pixel further up/left than
 * down/right. Each channel's integer window sum is scaled by 1/(kx·ky) in double and rounded as
 * OpenCV's cvRound, halves to even (a .5 rounded up instead moves shap's values: see
 * test/shap/shap-parity.test.ts), then saturated to 255.
 *
 * Equal to OpenCV 4.x pixel for pixel for shap's default blur(128, 128) (checked against cv2.blur's
 * output on five photos) and for any window of more than 256 pixels whose area is a power of two
 * (every product is exact there). Elsewhere OpenCV may differ by one on a value within float
 * rounding of a .5: for windows of at most 256 pixels it divides in 23-bit fixed point, and its SIMD
 * lanes scale in float32, neither of which is reproduced here.
 *
 * Separable with running sums over the reflected line, so it costs O(pixels) whatever the window.
 */
export function boxBlur(rgb: RgbImage, kx: number, ky: number): RgbImage {
  const out = new Uint8Array(rgb.width * rgb.height * 3);
  boxFilter(rgb.data, out, rgb.width, rgb.height, kx, ky, true, 3);
  return { data: out, width: rgb.width, height: rgb.height };
}

/**
 * {@link boxBlur} of an image with float `values` (16-bit, float), as `cv2.blur` on a float image
 * (what shap's Image masker does with float input): the same window and borders, the window mean
 * stored unrounded (to float32).
 */
export function boxBlurValues(rgb: RgbImage & { values: Float32Array }, kx: number, ky: number): RgbImage {
  const B = rgb.bands ?? 3;
  const out = new Float32Array(rgb.width * rgb.height * B);
  boxFilter(rgb.values, out, rgb.width, rgb.height, kx, ky, false, B);
  return floatRgbImage(out, rgb.width, rgb.height, B);
}

// The separable box filter of boxBlur and boxBlurValues over B interleaved channels; `round`:
// OpenCV's 8-bit rounding and saturation.
function boxFilter(
  src: ArrayLike<number>,
  out: Uint8Array | Float32Array,
  w: number,
  h: number,
  kx: number,
  ky: number,
  round: boolean,
  B: number,
): void {
  const tmp = new Float64Array(w * h * B);
  // One pass of a k-wide window along a line of n values at base + i * stride (anchor as OpenCV:
  // the window is [i - k/2, i + (k-1)/2]). Sums of integers stay exact in doubles, so the running
  // sum equals the direct one (for float pixels it differs from the direct sum by rounding only).
  const pass = (
    from: ArrayLike<number>,
    dst: { [i: number]: number },
    base: number,
    stride: number,
    n: number,
    k: number,
    scale: number,
    last: boolean,
  ) => {
    const a = Math.floor(k / 2);
    let sum = 0;
    for (let d = -a; d < k - a; d++) sum += from[base + reflect101(d, n) * stride];
    for (let i = 0; i < n; i++) {
      dst[base + i * stride] = !last ? sum : round ? Math.min(255, roundHalfEven(sum * scale)) : sum * scale;
      sum += from[base + reflect101(i + k - a, n) * stride] - from[base + reflect101(i - a, n) * stride];
    }
  };
  for (let r = 0; r < h; r++) for (let ch = 0; ch < B; ch++) pass(src, tmp, B * r * w + ch, B, w, kx, 1, false);
  const norm = 1 / (kx * ky);
  for (let c = 0; c < w; c++) for (let ch = 0; ch < B; ch++) pass(tmp, out, B * c + ch, B * w, h, ky, norm, true);
}
