// SPDX-License-Identifier: MIT
/**
 * Resizing of float pixels (16-bit and float images), in float64 with no rounding or clamping.
 *
 * Why not sharp: libvips takes a raw Float32Array input for scRGB/rgb16 data and converts it on
 * output (values outside 0..1 are lost), so float images are resampled here instead. The kernels are
 * the usual separable ones (triangle for 'linear', Lanczos-3), widened by the reduction factor when
 * shrinking, sampled at pixel centres, edges extended; weights are normalised to sum to 1, so a flat
 * image stays exactly flat. Results are close to, not bit-identical with, libvips's for 8-bit images.
 */

/** The resampling kernels. */
export type FloatKernel = 'linear' | 'lanczos3';

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

const KERNELS: Record<FloatKernel, { radius: number; f: (x: number) => number }> = {
  linear: { radius: 1, f: (x) => Math.max(0, 1 - Math.abs(x)) },
  lanczos3: { radius: 3, f: lanczos3 },
};

/** For each output index, the first input index and the normalised weights of the taps. */
function taps(nIn: number, nOut: number, kernel: FloatKernel): { first: Int32Array; weights: Float64Array[] } {
  const { radius, f } = KERNELS[kernel];
  const scale = nOut / nIn;
  const stretch = Math.max(1, 1 / scale); // widen the kernel when shrinking (anti-aliasing)
  const first = new Int32Array(nOut);
  const weights: Float64Array[] = [];
  for (let i = 0; i < nOut; i++) {
    const centre = (i + 0.5) / scale - 0.5;
    const lo = Math.ceil(centre - radius * stretch);
    const hi = Math.floor(centre + radius * stretch);
    const w = new Float64Array(hi - lo + 1);
    let sum = 0;
    for (let j = lo; j <= hi; j++) sum += w[j - lo] = f((j - centre) / stretch);
    for (let k = 0; k < w.length; k++) w[k] /= sum;
    first[i] = lo;
    weights.push(w);
  }
  return { first, weights };
}

/**
 * Resizes interleaved float pixels (`channels` per pixel, row-major) to `width × height`.
 * @param values - `srcWidth · srcHeight · channels` values.
 * @param kernel - `'lanczos3'` (default) or `'linear'`.
 * @returns a new Float32Array of `width · height · channels` values.
 */
export function resizeFloat(
  values: Float32Array,
  srcWidth: number,
  srcHeight: number,
  channels: number,
  width: number,
  height: number,
  kernel: FloatKernel = 'lanczos3',
): Float32Array {
  const C = channels;
  const clamp = (j: number, n: number) => (j < 0 ? 0 : j >= n ? n - 1 : j);
  // Horizontal pass into float64, then vertical into float32.
  const h = taps(srcWidth, width, kernel);
  const tmp = new Float64Array(width * srcHeight * C);
  for (let y = 0; y < srcHeight; y++) {
    for (let x = 0; x < width; x++) {
      const w = h.weights[x];
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * values[(y * srcWidth + clamp(h.first[x] + k, srcWidth)) * C + c];
        tmp[(y * width + x) * C + c] = s;
      }
    }
  }
  const v = taps(srcHeight, height, kernel);
  const out = new Float32Array(width * height * C);
  for (let y = 0; y < height; y++) {
    const w = v.weights[y];
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * tmp[(clamp(v.first[y] + k, srcHeight) * width + x) * C + c];
        out[(y * width + x) * C + c] = s;
      }
    }
  }
  return out;
}
