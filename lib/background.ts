// SPDX-License-Identifier: MIT
/**
 * One vocabulary for what a hidden feature shows: LIME's `hide` and SHAP's `masker` are the same
 * option under two names (each library's spelling is kept). A spec is checked by
 * {@link resolveBackground} when the explanation starts, before any segmentation or model call, and
 * turned into the replacement image by {@link backgroundImage} (kernels in hide.ts).
 */
import { floatRgbImage, loadImage, pixelValues, type ImageInput, type RgbImage } from './image';
import { boxBlur, boxBlurValues, segmentMeanImage, segmentMeanValues, solidImage } from './hide';
import { checkNumber, rangeError, typeError } from './validate';

/**
 * What a hidden feature (a segment for LIME, a pixel or superpixel for SHAP) shows:
 * - `'mean'`: each segment's mean colour, truncated to 8 bits as lime does (over SHAP's pixel
 *   features: the mean colour of the whole image);
 * - `'black'`, or `{ color: [r, g, b] }` (integers 0..255);
 * - `'blur(kx,ky)'` or `{ blur: k | [kx, ky] }`: the image box-blurred as `cv2.blur` (shap's
 *   `Image` masker spelling); `'blur'` alone (lime-style) uses a `blurSize` × `blurSize` window
 *   (LIME's `blurSize` option, default 16);
 * - `{ background: image }`: another image of the model's input size (path, bytes or raw pixels).
 */
export type BackgroundSpec =
  | 'mean'
  | 'black'
  | 'blur'
  | `blur(${number},${number})`
  | { color: readonly [number, number, number] }
  | { blur: number | readonly [number, number] }
  | { background: ImageInput };

/** A checked {@link BackgroundSpec}: plain data, ready to build the image from. */
export type Background =
  | { kind: 'mean' }
  | { kind: 'color'; color: [number, number, number] }
  | { kind: 'blur'; kx: number; ky: number }
  | { kind: 'image'; input: ImageInput };

/** The blur window of a lone `'blur'`, when no `blurSize` is given. */
export const DEFAULT_BLUR_SIZE = 16;

const EXPECTED = "'mean', 'black', 'blur', 'blur(kx,ky)', { color: [r, g, b] }, { blur: k | [kx, ky] } or { background: image }";

const side = (name: string, v: unknown) => checkNumber(name, v, { integer: true, min: 1, max: 4096 });

/**
 * Checks a background spec given as option `name` ('hide' or 'masker'); TypeError for a wrong type,
 * RangeError for a value out of range, both naming the option and the value.
 */
export function resolveBackground(name: string, spec: unknown, blurSize = DEFAULT_BLUR_SIZE): Background {
  if (typeof spec === 'string') {
    if (spec === 'mean') return { kind: 'mean' };
    if (spec === 'black') return { kind: 'color', color: [0, 0, 0] };
    if (spec === 'blur') return { kind: 'blur', kx: side('blurSize', blurSize), ky: side('blurSize', blurSize) };
    const m = /^blur\((\d+),\s*(\d+)\)$/.exec(spec.trim());
    if (m) {
      if (Number(m[1]) < 1 || Number(m[2]) < 1) throw rangeError(name, "'blur(kx,ky)' with kx, ky >= 1", spec);
      return { kind: 'blur', kx: side(`${name} blur kx`, Number(m[1])), ky: side(`${name} blur ky`, Number(m[2])) };
    }
    throw rangeError(name, EXPECTED, spec);
  }
  if (typeof spec === 'object' && spec !== null) {
    if ('color' in spec) {
      const color = (spec as { color: unknown }).color;
      if (!Array.isArray(color) || color.length !== 3) throw typeError(`${name}.color`, 'an array [r, g, b]', color);
      color.forEach((v, i) => checkNumber(`${name}.color[${i}]`, v, { integer: true, min: 0, max: 255 }));
      return { kind: 'color', color: [color[0], color[1], color[2]] };
    }
    if ('blur' in spec) {
      const k = (spec as { blur: unknown }).blur;
      if (typeof k === 'number') return { kind: 'blur', kx: side(`${name}.blur`, k), ky: side(`${name}.blur`, k) };
      if (!Array.isArray(k) || k.length !== 2) throw typeError(`${name}.blur`, 'a window size k or [kx, ky]', k);
      return { kind: 'blur', kx: side(`${name}.blur[0]`, k[0]), ky: side(`${name}.blur[1]`, k[1]) };
    }
    if ('background' in spec) return { kind: 'image', input: (spec as { background: ImageInput }).background };
  }
  throw typeError(name, EXPECTED, spec);
}

/**
 * The replacement image of `rgb` for a checked background: `labels`/`count` are the segments (for
 * `'mean'`; undefined over pixel features). `name` names the option in errors.
 *
 * For an image with float `values` (16-bit, float) the replacement has float values too, computed
 * without rounding: `'mean'` is not truncated and blur is not rounded (as shap blurs a float image);
 * a colour is its exact 8-bit-scale value; a background image keeps its own float values if it has
 * them. An 8-bit image with a 16-bit background image is composited in float as well.
 * @throws RangeError for a background image of another size than `rgb`; Error for an unreadable one.
 */
export async function backgroundImage(
  name: string,
  bg: Background,
  rgb: RgbImage,
  labels: Int32Array | undefined,
  count: number,
): Promise<RgbImage> {
  if (rgb.values && bg.kind !== 'image') return floatBackground(name, bg, rgb as RgbImage & { values: Float32Array }, labels, count);
  if ((rgb.bands ?? 3) !== 3 && bg.kind === 'image')
    throw rangeError(
      `${name}.background`,
      `'black', 'mean' or a blur for a ${rgb.bands}-channel model (a background image is RGB)`,
      'an image',
    );
  switch (bg.kind) {
    case 'mean':
      return labels ? segmentMeanImage(rgb, labels, count) : segmentMeanImage(rgb, new Int32Array(rgb.width * rgb.height), 1);
    case 'color':
      return solidImage(rgb.width, rgb.height, bg.color);
    case 'blur':
      return boxBlur(rgb, bg.kx, bg.ky);
    case 'image': {
      const image = await loadImage(bg.input);
      if (image.width !== rgb.width || image.height !== rgb.height)
        throw rangeError(
          `${name}.background`,
          `an image of the model's size (${rgb.width}x${rgb.height})`,
          `${image.width}x${image.height}`,
        );
      return image;
    }
  }
}

/** {@link backgroundImage} of a float image, for the backgrounds computed from the image itself. */
function floatBackground(
  name: string,
  bg: Exclude<Background, { kind: 'image' }>,
  rgb: RgbImage & { values: Float32Array },
  labels: Int32Array | undefined,
  count: number,
): RgbImage {
  const B = rgb.bands ?? 3;
  switch (bg.kind) {
    case 'mean':
      return labels ? segmentMeanValues(rgb, labels, count) : segmentMeanValues(rgb, new Int32Array(rgb.width * rgb.height), 1);
    case 'color':
      if (B === 3) return floatRgbImage(pixelValues(solidImage(rgb.width, rgb.height, bg.color)), rgb.width, rgb.height);
      // A colour is three values: for another channel count only black (0 in every channel) is defined.
      if (bg.color.some((v) => v !== 0))
        throw rangeError(
          `${name}`,
          `'black', 'mean' or a blur for a ${B}-channel model (a colour has 3 values)`,
          `{ color: [${bg.color.join(', ')}] }`,
        );
      return floatRgbImage(new Float32Array(rgb.width * rgb.height * B), rgb.width, rgb.height, B);
    case 'blur':
      return boxBlurValues(rgb, bg.kx, bg.ky);
  }
}
